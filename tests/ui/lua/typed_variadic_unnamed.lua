---@key set string
---@arg ... string
return redis.call('SADD', KEYS[1], unpack(ARGV))
