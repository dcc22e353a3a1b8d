
      redis.call("rpush", KEYS[1], ARGV[1])
      if tonumber(ARGV[2]) > 0 then
        redis.call("ltrim", KEYS[1], -tonumber(ARGV[2]), -1)
      end
      if tonumber(ARGV[3]) > 0 then
        redis.call("pexpire", KEYS[1], tonumber(ARGV[3]))
      end
      return 1
    