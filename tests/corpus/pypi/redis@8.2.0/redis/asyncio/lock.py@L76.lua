
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        if tonumber(ARGV[2]) > 0 then
            redis.call('pexpire', KEYS[1], ARGV[2])
        end
        return 1
    