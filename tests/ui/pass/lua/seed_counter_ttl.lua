local count = redis.call("INCR", KEYS[1])
local ttl = redis.call("TTL", KEYS[1])

if ttl == -1 then
  redis.call("EXPIRE", KEYS[1], ARGV[1])
end

return count
