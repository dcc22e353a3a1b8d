--- Sets the key to the value when it is unset or lower; returns the value it holds afterwards.
---@key key string
---@arg value integer
local current = redis.call("GET", KEYS[1])
local new = tonumber(ARGV[1])

if current == false or tonumber(current) < new then
  redis.call("SET", KEYS[1], new)
  return new
end

return tonumber(current)
