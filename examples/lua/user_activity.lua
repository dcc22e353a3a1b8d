--- Records an activity of a user at a timestamp; returns nothing.
---@arg user string
---@arg activity string
---@arg timestamp integer
-- The keys are built from ARGV, as in the original example, so this script suits a single Redis only
-- (a cluster needs every key in KEYS).
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
