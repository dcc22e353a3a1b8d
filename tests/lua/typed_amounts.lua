--- Adds each amount to a counter, in order, and records the amounts on a list; replies with the
--- counter's value.
---@key counter string
---@key seen string the list of amounts added
---@arg amounts... integer
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
for i = 1, #ARGV do
  total = redis.call('INCRBY', KEYS[1], ARGV[i])
end
if #ARGV > 0 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV))
end
return total
