--- Adds members to a set whose name may be any bytes; SADD needs at least one member.
---@key set bytes
---@arg members... bytes
return redis.call('SADD', KEYS[1], ARGV[1], unpack(ARGV, 2))
