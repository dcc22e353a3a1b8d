local current = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1])
return current
