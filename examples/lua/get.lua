---@key key string
return redis.call("GET", KEYS[1])
