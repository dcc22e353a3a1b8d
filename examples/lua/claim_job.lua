-- Moves the oldest job from the queue KEYS[1] to the in-progress list KEYS[2] and counts it in the
-- hash KEYS[3] under ARGV[1]; returns the job, or nil when the queue is empty.
local job = redis.call("LMOVE", KEYS[1], KEYS[2], "LEFT", "RIGHT")
if job then
  redis.call("HINCRBY", KEYS[3], ARGV[1], 1)
end
return job
