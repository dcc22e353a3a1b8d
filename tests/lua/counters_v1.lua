#!lua name=counters
-- Version 1: bump adds 1.
redis.register_function("bump", function(keys)
  redis.call("RPUSH", keys[1] .. ":log", "v1")
  return redis.call("INCRBY", keys[1], 1)
end)

redis.register_function{
  function_name = "peek",
  callback = function(keys) return tonumber(redis.call("GET", keys[1]) or "0") end,
  flags = { "no-writes" },
}
