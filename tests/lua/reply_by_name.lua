--- Names and values, in another order than declared: read by name. With `as_map`, a RESP3 map
--- (names and values under RESP2).
---@key hash string
---@arg as_map boolean
---@return {views: integer, likes: integer, title: string}
local views = redis.call('HINCRBY', KEYS[1], 'views', 1)
local likes = tonumber(redis.call('HGET', KEYS[1], 'likes') or '0')
local title = redis.call('HGET', KEYS[1], 'title') or ''
if ARGV[1] == '1' then
  return {map = {title = title, likes = likes, views = views}}
end
return {'title', title, 'likes', likes, 'views', views}
