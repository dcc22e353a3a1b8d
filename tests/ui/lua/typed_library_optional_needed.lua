#!lua name=optional_needed

-- Sets keys[1] to args[1] for args[2] seconds: the TTL is declared optional, but every run
-- passes it to redis.call.
---@key key string
---@arg value string
---@arg ttl? integer
redis.register_function('set_ttl', function(keys, args)
  return redis.call('SET', keys[1], args[1], 'EX', args[2])
end)
