-- Two fixed keys whose hash tags put them in different slots.
redis.call('HINCRBY', '{queue}:stats', 'runs', 1)
return redis.call('LPOP', '{jobs}:pending')
