---@key counter string
---@arg by? integer
return redis.call('INCRBY', KEYS[1], ARGV[1])
