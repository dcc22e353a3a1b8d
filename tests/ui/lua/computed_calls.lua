-- Computed and expanded arguments: their count is not known at compile time.
local args = {KEYS[1], ARGV[1]}
redis.call('SET', unpack(args))
redis.call('DEL', unpack(KEYS))
local cmd = ARGV[2]
redis.call(cmd, KEYS[1])
local function rest() return ARGV[1], ARGV[2] end
redis.call('MSET', KEYS[1], rest())
return redis.call('GET', KEYS[1])
