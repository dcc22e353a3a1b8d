--- A fixed-window rate limiter: counts a request, returns {requests in this window, requests left}.
---@key bucket string the counter's key
---@arg limit integer requests allowed per window
---@arg window integer the window, in seconds
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return {current, tonumber(ARGV[1]) - current}
