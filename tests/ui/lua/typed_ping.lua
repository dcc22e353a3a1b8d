return redis.call('PING')
