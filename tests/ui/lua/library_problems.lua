#!lua name=problems
local rcall = redis.call
redis.register_function("counter" .. "s", function(keys) return 1 end)
redis.register_function{function_name = "peek", callback = function(keys)
  return redis.call("SET", keys[1], 1)
end, flags = {"no-writes"}}
redis.register_function("old_style", function() return KEYS[1] end)
redis.register_function{function_name = "flagged", callback = function() return 1 end, flags = {"no-write"}}
