--- Adds points to a player on the leaderboard.
---@key board string a sorted set
---@arg player string
---@arg points integer
---@return {score: number, rank: integer} the player's new score, and rank from 0
local score = redis.call("ZINCRBY", KEYS[1], ARGV[2], ARGV[1])
local rank = redis.call("ZREVRANK", KEYS[1], ARGV[1])
return {score, rank}
