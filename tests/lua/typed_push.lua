--- Pushes one binary-safe value onto every list it is given, with an expiry when one is given;
--- replies with how many keys and arguments it saw.
---@key lists... string the lists to push onto
---@arg value bytes pushed as it is
---@arg ttl? integer seconds to keep each list, when given
for _, list in ipairs(KEYS) do
  redis.call('RPUSH', list, ARGV[1])
  if ARGV[2] then
    redis.call('EXPIRE', list, ARGV[2])
  end
end
return {#KEYS, #ARGV}
