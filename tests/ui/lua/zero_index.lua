-- Written as if Lua counted from 0.
local key = KEYS[0]
local limit = tonumber(ARGV[0])
return redis.call('INCRBY', key, limit)
