---@key bucket
---@arg limit integer
local other = KEYS[2]
return redis.call('GET', KEYS[1]) == other and ARGV[1]
