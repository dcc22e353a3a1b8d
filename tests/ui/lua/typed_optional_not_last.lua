---@key log string
---@arg ttl? integer
---@arg label string
return redis.call('RPUSH', KEYS[1], ARGV[2])
