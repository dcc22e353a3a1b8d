-- Reads KEYS[2] and ARGV[1] on every run, where a nil fails: a call needs 2 keys and 1 argument.
-- ARGV[2] is optional (nil is fine), and KEYS[3] is read only when ARGV[2] is given.
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
local ttl = tonumber(ARGV[2]) or 0
if ttl > 0 then
  redis.call('EXPIRE', KEYS[3], ttl)
end
return redis.call('RPUSH', 'ran', KEYS[1])
