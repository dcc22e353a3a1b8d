#!lua flags=no-writes
local hash = KEYS[1]
local field = ARGV[1]
return redis.call('HGET', hash, field)
