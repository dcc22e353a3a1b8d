
local seen_key = KEYS[1]
local followers_key = KEYS[2]
local processing_key = KEYS[3]
local seen_ttl = tonumber(ARGV[1])

-- 1. SET seen with TTL
redis.call('SET', seen_key, '1', 'EX', seen_ttl)

-- 2. SMEMBERS followers and DEL to "claim" them atomically.
-- This prevents a race where a follower could unpark after seeing seen=true
-- but before the leader finishes iterating followers. By deleting the
-- followers set, any follower doing a double-check will see it's been
-- claimed and should NOT self-process.
local followers = redis.call('SMEMBERS', followers_key)
redis.call('DEL', followers_key)

-- 3. DEL processing
redis.call('DEL', processing_key)

return followers
