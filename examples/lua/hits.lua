-- Counts a hit on KEYS[1], which expires ARGV[1] seconds after the first hit.
local hits = redis.call("INCR", KEYS[1])
if hits == 1 then
  redis.call("EXPIRE", KEYS[1], ARGV[1])
end
return hits
