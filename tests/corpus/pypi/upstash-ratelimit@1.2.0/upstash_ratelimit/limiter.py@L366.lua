#!lua flags=allow-key-locking
    local key          = KEYS[1]           -- identifier including prefixes
    local max_tokens   = tonumber(ARGV[1]) -- maximum number of tokens
    local interval     = tonumber(ARGV[2]) -- size of the window in milliseconds
    local refill_rate  = tonumber(ARGV[3]) -- how many tokens are refilled after each interval
    local now          = tonumber(ARGV[4]) -- current timestamp in milliseconds
    local increment_by = tonumber(ARGV[5]) -- how many tokens to consume, default is 1
            
    local bucket = redis.call("HMGET", key, "refilled_at", "tokens")
            
    local refilled_at
    local tokens

    if bucket[1] == false then
        refilled_at = now
        tokens = max_tokens
    else
        refilled_at = tonumber(bucket[1])
        tokens = tonumber(bucket[2])
    end
            
    if now >= refilled_at + interval then
        local num_refills = math.floor((now - refilled_at) / interval)
        tokens = math.min(max_tokens, tokens + num_refills * refill_rate)

        refilled_at = refilled_at + num_refills * interval
    end

    if tokens < increment_by then
        return {-1, refilled_at + interval}
    end

    local remaining = tokens - increment_by
    local expire_at = math.ceil(((max_tokens - remaining) / refill_rate)) * interval
            
    redis.call("HSET", key, "refilled_at", refilled_at, "tokens", remaining)
    redis.call("PEXPIRE", key, expire_at)
    return {remaining, refilled_at + interval}
    