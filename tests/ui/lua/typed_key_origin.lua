---@arg user string
local key = 'seen:' .. ARGV[1]
return redis.call('INCR', key)
