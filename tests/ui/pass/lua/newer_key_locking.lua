#!lua flags=allow-key-locking
return redis.call('INCR', KEYS[1])
