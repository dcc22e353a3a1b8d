return redis.call('FT.SEARCH', KEYS[1], ARGV[1])
