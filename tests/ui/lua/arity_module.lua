-- TS.ADD needs a key, a timestamp and a value: the module refuses the call.
return redis.call('TS.ADD', KEYS[1], ARGV[1])
