#!lua name=opaque
local M = {}
function M.handler(keys, args)
  return redis.call('SET', keys[1], args[1])
end
redis.register_function('opaque', M.handler)
