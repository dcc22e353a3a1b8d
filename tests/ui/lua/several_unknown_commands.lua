-- Hash-field expiry is newer than the command table: each unknown command is its own error.
redis.call('HSET', KEYS[1], ARGV[1], 1)
redis.call('HEXPIRE', KEYS[1], 60, 'FIELDS', 1, ARGV[1])
return redis.call('HTTL', KEYS[1], 'FIELDS', 1, ARGV[1])
