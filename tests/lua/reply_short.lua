--- A reply built at run time with fewer items than declared: no literal to check, a decoding error.
---@key list string
---@return {first: string, second: string}
return redis.call('LRANGE', KEYS[1], 0, -1)
