-- Redis 7.4+ and Valkey 9.0+: hash fields with their own time to live.
redis.call('HSET', KEYS[1], ARGV[1], 1)
redis.call('HEXPIRE', KEYS[1], 60, 'FIELDS', 1, ARGV[1])
redis.call('HPERSIST', KEYS[1], 'FIELDS', 1, ARGV[1])
redis.call('HGETEX', KEYS[1], 'EX', 30, 'FIELDS', 1, ARGV[1])
return redis.call('HTTL', KEYS[1], 'FIELDS', 1, ARGV[1])
