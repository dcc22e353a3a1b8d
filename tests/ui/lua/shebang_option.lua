#!lua name=get
return redis.call('GET', KEYS[1])
