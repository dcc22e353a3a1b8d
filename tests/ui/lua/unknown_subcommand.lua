return redis.call('XINFO', 'EVERYTHING', KEYS[1])
