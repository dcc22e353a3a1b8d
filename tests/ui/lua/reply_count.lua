---@key bucket string
---@arg limit integer
---@return {allowed: boolean, remaining: integer, reset: integer}
local current = redis.call('INCR', KEYS[1])
if current > tonumber(ARGV[1]) then
  return {false, 0}
end
return {true, tonumber(ARGV[1]) - current, redis.call('TTL', KEYS[1])}
