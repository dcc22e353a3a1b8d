-- Module commands the table cannot know: each unknown command is its own error.
redis.call('HSET', KEYS[1], ARGV[1], 1)
redis.call('TS.ADD', KEYS[2], '*', 1)
return redis.call('BF.EXISTS', KEYS[3], ARGV[1])
