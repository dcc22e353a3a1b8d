#!lua name=shared
-- Build 1 of a library other services call by name: bump adds 1.
redis.register_function("bump", function(keys)
  redis.call("RPUSH", keys[1] .. ":log", "v1")
  return redis.call("INCRBY", keys[1], 1)
end)
