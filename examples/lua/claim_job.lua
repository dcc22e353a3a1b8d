--- Moves the oldest job from the queue to the in-progress list and counts it in the stats hash;
--- returns the job, or nil when the queue is empty.
---@key queue string
---@key working string the in-progress list
---@key stats string a hash of counts
---@arg field string the count to increment
local job = redis.call("LMOVE", KEYS[1], KEYS[2], "LEFT", "RIGHT")
if job then
  redis.call("HINCRBY", KEYS[3], ARGV[1], 1)
end
return job
