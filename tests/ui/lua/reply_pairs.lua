---@key bucket string
---@arg limit integer
---@return {allowed: boolean, remaining: integer}
local current = redis.call('INCR', KEYS[1])
return {'allowed', current <= tonumber(ARGV[1]), 'left', tonumber(ARGV[1]) - current}
