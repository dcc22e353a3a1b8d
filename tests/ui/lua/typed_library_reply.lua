#!lua name=replies

-- Adds args[1] to keys[1]: its value before and after.
---@key counter string
---@arg by integer
---@return {before: integer, after: integer}
redis.register_function('bump', function(keys, args)
  local before = tonumber(redis.call('GET', keys[1]) or '0')
  local after = redis.call('INCRBY', keys[1], args[1])
  if after > 100 then
    return {before}
  end
  return {before, after}
end)
