#!lua name=shared_line
---@key counter string
redis.register_function('up', function(keys) return redis.call('INCR', keys[1]) end) redis.register_function('down', function(keys) return redis.call('DECR', keys[1]) end)
