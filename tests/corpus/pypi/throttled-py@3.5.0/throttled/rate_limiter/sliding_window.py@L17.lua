
    local period = tonumber(ARGV[1])
    local limit = tonumber(ARGV[2])
    local cost = tonumber(ARGV[3])
    local now_ms = tonumber(ARGV[4])

    local exists = true
    local current = redis.call("GET", KEYS[1])
    if current == false then
        current = 0
        exists = false
    end

    local previous = redis.call("GET", KEYS[2])
    if previous == false then
        previous = 0
    end

    local period_ms = period * 1000
    local current_proportion = (now_ms % period_ms) / period_ms
    local previous_proportion = 1 - current_proportion
    previous = math.floor(previous_proportion * previous)

    local retry_after = 0
    local used = previous + current + cost
    local limited = used > limit and cost ~= 0
    if limited then
        if cost <= previous then
            retry_after = previous_proportion * period * cost / previous
        else
            retry_after = previous_proportion * period
        end
    else
        if exists then
            redis.call("INCRBY", KEYS[1], cost)
        else
            redis.call("SET", KEYS[1], cost, "EX", 3 * period)
        end
    end

    return {limited, used, tostring(retry_after)}
    