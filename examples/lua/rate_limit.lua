--- Fixed-window rate limit: counts a request in a window; returns {requests in this window, seconds
--- left}.
---@key key string the counter
---@arg limit integer requests allowed per window (the caller compares against it)
---@arg window integer the window, in seconds
---@return {requests: integer, ttl: integer} requests counted in this window, and the seconds until it resets
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

local current = redis.call("INCR", key)

if current == 1 then
  redis.call("EXPIRE", key, window)
end

local ttl = redis.call("TTL", key)
return {current, ttl}
