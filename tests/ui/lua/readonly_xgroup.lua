local info = redis.call('XINFO', 'STREAM', KEYS[1])
redis.pcall('xgroup', 'create', KEYS[1], 'workers', '$', 'MKSTREAM')
return info
