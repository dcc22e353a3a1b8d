#!lua flags=allow-stale
return redis.call('GET', KEYS[1])
