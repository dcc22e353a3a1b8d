--- A fixed-window rate limiter whose reply names its fields.
---@key bucket string the counter's key
---@arg limit integer requests allowed per window
---@arg window integer the window, in seconds
---@return {allowed: boolean, remaining: integer, reset: integer}
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
local limit = tonumber(ARGV[1])
if current > limit then
  return {false, 0, redis.call('TTL', KEYS[1])}
end
return {true, limit - current, redis.call('TTL', KEYS[1])}
