
        local ttl = tonumber(ARGV[2]);
        local index = tonumber(ARGV[1]);
        if redis.call("HGET", KEYS[1], "index") == ARGV[1] then
            redis.call("PEXPIRE", KEYS[1], ttl);
            return {1, index, ttl};
        else
            return {0};
        end;
    