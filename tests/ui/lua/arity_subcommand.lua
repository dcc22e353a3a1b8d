redis.call('XGROUP', 'CREATE', KEYS[1], 'workers')
return 1
