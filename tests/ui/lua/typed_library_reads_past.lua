#!lua name=reads_past

-- Adds argv[1] to ks[1], capped at argv[2]: reads an argument it does not declare.
---@key counter string
---@arg by integer
redis.register_function('add', function(ks, argv)
  local n = redis.call('INCRBY', ks[1], argv[1])
  return math.min(n, tonumber(argv[2]))
end)
