-- Redis 7.0 refuses this inside scripts; 8.2 and Valkey pop without blocking.
return redis.call('BLPOP', KEYS[1], 0)
