#!lua flags=no-writes
local Counter = {}
Counter.__index = Counter

function Counter.new(key)
  return setmetatable({key = key, seen = 0}, Counter)
end

function Counter:read()
  self.seen = self.seen + 1
  return tonumber(redis.call("GET", self.key) or "0")
end

local c = Counter.new(KEYS[1])
local text = ("%d"):format(c:read())
local upper = string.upper(text):lower()
local ok, err = pcall(function() return redis.pcall("TYPE", KEYS[1]) end)
return {text, upper, c.seen, tostring(ok), cjson.encode({a = 1})}
