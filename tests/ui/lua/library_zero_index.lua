#!lua name=zero_index

-- Reads ks[0], which is always nil: Lua counts from 1.
redis.register_function('first', function(ks, argv)
  return redis.call('GET', ks[0])
end)
