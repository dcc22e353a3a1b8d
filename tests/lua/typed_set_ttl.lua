--- Sets a key, with an expiry when one is given; replies with how many arguments it saw.
---@key key string
---@arg value string
---@arg ttl? integer seconds
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return #ARGV
