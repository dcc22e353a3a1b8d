#!lua name=positional
redis.register_function("touch", function(keys, args)
  redis.call("SET", keys[1], args[1])
  return redis.call("EXPIRE", keys[2], 60)
end)
