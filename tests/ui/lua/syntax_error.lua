local count = redis.call('INCR', KEYS[1])
if count > 1 then
  return count
else
  return = 0
end
