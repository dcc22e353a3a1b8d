--- Pushes each argument onto a list, in the order ARGV holds them, and returns the list's length.
---@key log string the list
---@arg count integer
---@arg ratio number
---@arg enabled boolean
---@arg label string
return redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
