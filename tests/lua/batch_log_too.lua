#!lua name=batchlogtoo
-- The same effect from a second library: loaded on its own.
redis.register_function("push_too", function(keys, args)
  local n = redis.call("RPUSH", keys[1], args[1])
  return n
end)
