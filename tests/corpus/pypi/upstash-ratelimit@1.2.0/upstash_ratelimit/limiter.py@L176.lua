#!lua flags=allow-key-locking
    local key           = KEYS[1]
    local window        = ARGV[1]
    local increment_by  = ARGV[2] -- increment rate per request at a given value, default is 1

    local r = redis.call("INCRBY", key, increment_by)
    if r == tonumber(increment_by) then
    -- The first time this key is set, the value will be equal to increment_by.
    -- So we only need the expire command once
    redis.call("PEXPIRE", key, window)
    end

    return r
    