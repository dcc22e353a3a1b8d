
    local key = KEYS[1]
    local blockKey = KEYS[2]
    local throttlerName = ARGV[1]
    local ttlMs = tonumber(ARGV[2])
    local limit = tonumber(ARGV[3])
    local blockDurationMs = tonumber(ARGV[4])

    -- 1. Check if already blocked
    if redis.call("EXISTS", blockKey) == 1 then
      return { limit + 1, -1, redis.call("PTTL", blockKey), 1 }
    end

    -- 2. If not blocked: Increment hit count for this throttler
    local hits = redis.call("HINCRBY", key, throttlerName, 1)

    -- 3. If new key: set TTL (only if ttlMs > 0)
    if redis.call("PTTL", key) <= 0 and ttlMs > 0 then
      redis.call("PEXPIRE", key, ttlMs)
    end

    -- 4. If under limit: return normal response
    if hits <= limit then
      return { hits, redis.call("PTTL", key), -1, 0 }
    end

    -- 5. If over limit: set block flag (only if blockDurationMs > 0)
    if blockDurationMs > 0 then
      redis.call("SET", blockKey, "1", "PX", blockDurationMs)
      return { hits, redis.call("PTTL", key), blockDurationMs, 1 }
    else
      return { hits, redis.call("PTTL", key), -1, 0 }
    end
  