#!lua flags=no-writes
local post = KEYS[1]
local field = ARGV[1]
return redis.call('HGET', post, field)
