#!lua name=seed
-- The Upstash SDK's script examples as one library of Redis Functions: each function gets its keys
-- and arguments as parameters instead of KEYS and ARGV.

---@arg name string
redis.register_function{
  function_name = "greeting",
  callback = function(keys, args) return "Hello, " .. args[1] .. "!" end,
  flags = { "no-writes" },
}

-- Atomic counter with TTL: increments keys[1] and, the first time, makes it expire after args[1] s.
---@key counter string
---@arg ttl integer seconds
redis.register_function("incr_ttl", function(keys, args)
  local count = redis.call("INCR", keys[1])
  if redis.call("TTL", keys[1]) == -1 then
    redis.call("EXPIRE", keys[1], args[1])
  end
  return count
end)

-- Sets keys[1] to args[1] when it is unset or lower; returns the value it holds afterwards.
---@key key string
---@arg value integer
redis.register_function("set_if_higher", function(keys, args)
  local current = redis.call("GET", keys[1])
  local new = tonumber(args[1])
  if current == false or tonumber(current) < new then
    redis.call("SET", keys[1], new)
    return new
  end
  return tonumber(current)
end)

-- Read-only analytics of post keys[1]: {views, likes, tostring(ratio)}.
local function post_stats(keys)
  local views = tonumber(redis.call("GET", keys[1] .. ":views") or "0")
  local likes = tonumber(redis.call("GET", keys[1] .. ":likes") or "0")
  local ratio = 0
  if views > 0 then
    ratio = likes / views
  end
  return {views, likes, tostring(ratio)}
end

---@key post string
redis.register_function{ function_name = "post_stats", callback = post_stats, flags = { "no-writes" } }

-- Increments every key; returns the new values in order.
redis.register_function("batch_incr", function(keys)
  local results = {}
  for i = 1, #keys do
    results[i] = redis.call("INCR", keys[i])
  end
  return results
end)

-- Fixed-window rate limit on keys[1], window args[2] s: {requests in this window, seconds left}.
---@key key string the counter
---@arg limit integer requests allowed per window
---@arg window integer seconds
redis.register_function("rate_limit", function(keys, args)
  local current = redis.call("INCR", keys[1])
  if current == 1 then
    redis.call("EXPIRE", keys[1], tonumber(args[2]))
  end
  return {current, redis.call("TTL", keys[1])}
end)
