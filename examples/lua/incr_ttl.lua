--- Atomic counter with TTL: increments the counter and, the first time, makes it expire.
---@key counter string
---@arg ttl integer seconds until the counter expires
local count = redis.call("INCR", KEYS[1])
local ttl = redis.call("TTL", KEYS[1])

if ttl == -1 then
  redis.call("EXPIRE", KEYS[1], ARGV[1])
end

return count
