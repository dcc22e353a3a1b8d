-- Takes the lock KEYS[1] for the owner ARGV[1], for ARGV[2] milliseconds, unless another owner
-- holds it: 1 when taken, 0 when held.
local taken = redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2])
return taken and 1 or 0
