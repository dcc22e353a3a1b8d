#!lua name=shared
-- Build 2: bump adds 10, and a new function, total.
redis.register_function("bump", function(keys)
  redis.call("RPUSH", keys[1] .. ":log", "v2")
  return redis.call("INCRBY", keys[1], 10)
end)

redis.register_function{
  function_name = "total",
  callback = function(keys) return tonumber(redis.call("GET", keys[1]) or "0") end,
  flags = { "no-writes" },
}
