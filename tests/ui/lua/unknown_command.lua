local hits = redis.call('INCR', KEYS[1])
return redis.call('FT.SEARCH', 'idx', ARGV[1])
