--- Names written in the script's own camelCase.
---@key userKey string
---@arg maxCount integer
---@return {requestCount: integer, isAllowed: boolean}
local requestCount = redis.call('INCR', KEYS[1])
return {requestCount, requestCount <= tonumber(ARGV[1])}
