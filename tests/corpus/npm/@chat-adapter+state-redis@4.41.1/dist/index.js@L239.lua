
      redis.call("rpush", KEYS[1], ARGV[1])
      if tonumber(ARGV[2]) > 0 then
        redis.call("ltrim", KEYS[1], -tonumber(ARGV[2]), -1)
      end
      redis.call("pexpire", KEYS[1], ARGV[3])
      return redis.call("llen", KEYS[1])
    