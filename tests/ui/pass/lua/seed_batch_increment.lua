local results = {}

for i = 1, #KEYS do
  results[i] = redis.call("INCR", KEYS[i])
end

return results
