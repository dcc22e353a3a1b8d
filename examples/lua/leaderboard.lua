--- Adds points to a player on the leaderboard; returns {new score, rank from 0}.
---@key board string a sorted set
---@arg player string
---@arg points integer
local score = redis.call("ZINCRBY", KEYS[1], ARGV[2], ARGV[1])
local rank = redis.call("ZREVRANK", KEYS[1], ARGV[1])
return {score, rank}
