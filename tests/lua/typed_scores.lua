-- Adds members to a sorted set with their scores: ZADD's pairs, each a score and its member.
---@key board string
---@arg entries... [number, string] a score, then its member
return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2], unpack(ARGV, 3))
