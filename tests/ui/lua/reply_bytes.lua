---@key blob string
---@return {data: bytes, size: integer}
return {redis.call('GET', KEYS[1]), redis.call('STRLEN', KEYS[1])}
