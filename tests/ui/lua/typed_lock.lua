--- Takes a lock for a token, for ttl milliseconds.
---@key lock
---@arg token string who holds it
---@arg ttl integer milliseconds
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
