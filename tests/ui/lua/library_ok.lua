#!lua name=fine
redis.register_function("incr", function(keys) return redis.call("INCR", keys[1]) end)
redis.register_function{function_name = "get", callback = function(keys) return redis.call("GET", keys[1]) end, flags = {"no-writes"}}
