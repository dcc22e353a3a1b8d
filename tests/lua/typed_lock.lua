--- Takes a lock for a token, for ttl milliseconds; returns the token that holds it.
---@key lock the lock's key
---@arg token string who takes it
---@arg ttl integer how long, in milliseconds
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return redis.call('GET', KEYS[1])
