-- Reliable queue: claim the next job with a visibility timeout, re-delivering expired claims first.
--
-- KEYS[1]  ready list (LPUSH by producers)
-- KEYS[2]  processing list (jobs claimed by some worker)
-- KEYS[3]  sorted set: job -> deadline (ms) of its claim
-- KEYS[4]  hash: job -> delivery count
-- ARGV[1]  now, in ms (the caller's clock, so tests can control it)
-- ARGV[2]  visibility timeout, in ms
-- ARGV[3]  maximum deliveries before a job is dead-lettered
-- ARGV[4]  dead-letter list key suffix (appended to KEYS[1])
--
-- Returns {job, delivery} or false when nothing is ready.

local ready, processing, deadlines, deliveries = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = tonumber(ARGV[1])
local timeout = tonumber(ARGV[2])
local max_deliveries = tonumber(ARGV[3])
local dead = ready .. (ARGV[4] or ":dead")

-- 1. Jobs whose claim expired go back to the head of the ready list (at most 100 per call).
local expired = redis.call("ZRANGEBYSCORE", deadlines, "-inf", now, "LIMIT", 0, 100)
for _, job in ipairs(expired) do
  redis.call("ZREM", deadlines, job)
  if redis.call("LREM", processing, 1, job) == 1 then
    if tonumber(redis.call("HGET", deliveries, job) or "0") >= max_deliveries then
      redis.call("HDEL", deliveries, job)
      redis.call("RPUSH", dead, job)
    else
      redis.call("RPUSH", ready, job)
    end
  end
end

-- 2. Atomically move the oldest ready job to the processing list.
local job = redis.call("LMOVE", ready, processing, "RIGHT", "LEFT")
if not job then
  return false
end

-- 3. Record the claim's deadline and count the delivery.
redis.call("ZADD", deadlines, now + timeout, job)
local delivery = redis.call("HINCRBY", deliveries, job, 1)

return {job, delivery}
