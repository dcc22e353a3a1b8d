-- Each problem is its own error: an unknown command, a wrong argument count, another unknown one.
redis.call('HSET', KEYS[1], ARGV[1], 1)
redis.call('MYMODULE.ADD', KEYS[2], '*', 1)
redis.call('HSET', KEYS[1], ARGV[1])
return redis.call('HGETT', KEYS[3], ARGV[1])
