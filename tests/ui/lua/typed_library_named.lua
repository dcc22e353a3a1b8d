#!lua name=named

local function stats(keys)
  local views = tonumber(redis.call('GET', keys[1]) or '0')
  return {views}
end

-- The views of keys[1], and its likes.
---@key post string
---@return {views: integer, likes: integer}
redis.register_function{function_name = 'stats', callback = stats, flags = { 'no-writes' }}
