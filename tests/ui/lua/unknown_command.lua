local hits = redis.call('INCRR', KEYS[1])
return hits
