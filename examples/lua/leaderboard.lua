-- Adds ARGV[2] points to player ARGV[1] on the leaderboard KEYS[1]; returns {new score, rank from 0}.
local score = redis.call("ZINCRBY", KEYS[1], ARGV[2], ARGV[1])
local rank = redis.call("ZREVRANK", KEYS[1], ARGV[1])
return {score, rank}
