--- Counts a visit, and logs it on a list when one is given; replies with how many keys it saw.
---@key counter string
---@key log? string where to record the visit, if anywhere
---@arg visitor string
redis.call('INCR', KEYS[1])
if KEYS[2] then
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
return #KEYS
