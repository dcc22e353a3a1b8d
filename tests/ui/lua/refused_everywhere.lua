return redis.call('SUBSCRIBE', 'news')
