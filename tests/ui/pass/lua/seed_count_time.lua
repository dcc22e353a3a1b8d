local count = redis.call("INCR", KEYS[1])
local time = redis.call("TIME")
return {count, time[1]}
