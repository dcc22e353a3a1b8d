#!lua name=echoes
-- Counts its run, then returns its argument as its error reply.
redis.register_function("echo", function(keys, args)
  redis.call("INCR", keys[1])
  return redis.error_reply(args[1])
end)
