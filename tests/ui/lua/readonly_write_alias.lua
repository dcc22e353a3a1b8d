-- Scripts often shorten redis.call; the alias is checked like the call itself.
local rcall = redis.call
local current = rcall('GET', KEYS[1])
if not current then
  rcall('SET', KEYS[1], ARGV[1])
end
return current
