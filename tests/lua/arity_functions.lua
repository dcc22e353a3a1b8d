#!lua name=arity_functions

-- Appends args[1] to every list it is given: the first two always.
---@key lists... string
---@arg value string
redis.register_function('push_all', function(keys, args)
  redis.call('RPUSH', keys[1], args[1])
  redis.call('RPUSH', keys[2], args[1])
  for i = 3, #keys do
    redis.call('RPUSH', keys[i], args[1])
  end
  return #keys
end)

-- Copies k[1] to k[2], or sets a[1] there when k[1] is missing; undeclared, its parameters
-- named as it likes.
redis.register_function('copy', function(k, a)
  return redis.call('SET', k[2], redis.call('GET', k[1]) or a[1])
end)

-- The number of keys in the database: a reply, and no keys or arguments.
---@return {size: integer}
redis.register_function{
  function_name = 'size',
  callback = function() return {redis.call('DBSIZE')} end,
  flags = { 'no-writes' },
}
