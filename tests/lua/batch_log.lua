#!lua name=batchlog
-- Each function pushes ARGV[1] to the list KEYS[1] and returns its length: the list is the order of
-- effects.
redis.register_function("push", function(keys, args)
  return redis.call("RPUSH", keys[1], args[1])
end)

redis.register_function{
  function_name = "len",
  callback = function(keys) return redis.call("LLEN", keys[1]) end,
  flags = { "no-writes" },
}
