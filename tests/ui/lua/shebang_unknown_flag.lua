#!lua flags=no-writes,read-only
return redis.call('GET', KEYS[1])
