-- Sliding-window rate limiter over a sorted set of request timestamps.
--
-- KEYS[1]  sorted set holding one member per admitted request, scored by time in ms
-- ARGV[1]  limit: requests allowed per window
-- ARGV[2]  window length in milliseconds
-- ARGV[3]  request id (unique per request, e.g. a UUID)
-- ARGV[4]  cost of this request (optional, default 1)
--
-- Returns {allowed (1/0), remaining, retry_after_ms}.
-- The clock is the server's (TIME), so clients with skewed clocks cannot cheat.

local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local request_id = ARGV[3]
local cost = tonumber(ARGV[4] or "1")

if not limit or not window or limit < 1 or window < 1 then
  return redis.error_reply("ERR limit and window must be positive integers")
end

local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window_start = now - window

-- Forget requests that slid out of the window.
redis.call("ZREMRANGEBYSCORE", key, "-inf", window_start)

local used = redis.call("ZCARD", key)
if used + cost > limit then
  local oldest = redis.call("ZRANGE", key, 0, 0, "WITHSCORES")
  local retry_after = window
  if oldest[2] then
    retry_after = tonumber(oldest[2]) + window - now
  end
  if retry_after < 0 then
    retry_after = 0
  end
  return {0, limit - used, retry_after}
end

for i = 1, cost do
  redis.call("ZADD", key, now, request_id .. ":" .. i)
end
redis.call("PEXPIRE", key, window)

return {1, limit - used - cost, 0}
