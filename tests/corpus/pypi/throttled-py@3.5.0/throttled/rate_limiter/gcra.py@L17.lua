
    local emission_interval = tonumber(ARGV[1])
    local capacity = tonumber(ARGV[2])
    local cost = tonumber(ARGV[3])

    local jan_1_2025 = 1735660800
    local now = redis.call("TIME")
    now = (now[1] - jan_1_2025) + (now[2] / 1000000)

    local last_tat = redis.call("GET", KEYS[1])
    if not last_tat then
        last_tat = now
    else
        last_tat = tonumber(last_tat)
    end

    local fill_time_for_cost = cost * emission_interval
    local tat = math.max(now, last_tat) + fill_time_for_cost
    local time_from_tat = now - math.max(now, last_tat)
    local time_elapsed = time_from_tat + (capacity - cost) * emission_interval

    local limited = 0
    local retry_after = 0
    local reset_after = tat - now
    local remaining = (capacity - cost) + math.floor(time_from_tat / emission_interval)
    if remaining < 0 then
        limited = 1
        retry_after = time_elapsed * -1
        reset_after = math.max(0, last_tat - now)
        remaining = math.min(capacity, cost + remaining)
    else
        if reset_after > 0 then
            redis.call("SET", KEYS[1], tat, "EX", math.ceil(reset_after))
        end
    end

    return {limited, remaining, tostring(reset_after), tostring(retry_after)}
    