---@key bucket
---@arg limit
return redis.call('GET', KEYS[1])
