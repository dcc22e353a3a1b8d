local userId = ARGV[1]
local activity = ARGV[2]
local timestamp = ARGV[3]

-- Update last activity
redis.call("HSET", "user:" .. userId, "last_activity", activity)
redis.call("HSET", "user:" .. userId, "last_seen", timestamp)

-- Add to activity log
redis.call("ZADD", "user:" .. userId .. ":activity", timestamp, activity)

-- Keep only last 100 activities
redis.call("ZREMRANGEBYRANK", "user:" .. userId .. ":activity", 0, -101)
