#!lua flags=no-writes
local n = redis.call('INCR', KEYS[1])
return n
