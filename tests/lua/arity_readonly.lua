#!lua flags=no-writes
-- Reads KEYS[1] on every run: a call needs 1 key.
return redis.call('GET', KEYS[1])
