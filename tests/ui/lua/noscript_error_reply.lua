local v = redis.call('GET', KEYS[1])
if not v then
  return redis.error_reply('NOSCRIPT value missing')
end
return v
