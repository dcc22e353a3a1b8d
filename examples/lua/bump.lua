#!lua name=bump

-- Adds args[1] (1 when left out) to keys[1]: its value before and after.
---@key counter string
---@arg by? integer how much to add
---@return {before: integer, after: integer}
redis.register_function('bump', function(keys, args)
  local before = tonumber(redis.call('GET', keys[1]) or '0')
  return {before, redis.call('INCRBY', keys[1], args[1] or 1)}
end)

-- The sum of the counters it is given.
---@key counters... string
---@return {total: integer, count: integer}
redis.register_function{
  function_name = 'total',
  callback = function(keys)
    local total = 0
    for _, key in ipairs(keys) do
      total = total + tonumber(redis.call('GET', key) or '0')
    end
    return {total, #keys}
  end,
  flags = { 'no-writes' },
}
