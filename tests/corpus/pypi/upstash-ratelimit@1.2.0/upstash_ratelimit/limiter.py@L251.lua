#!lua flags=allow-key-locking
    local current_key  = KEYS[1]           -- identifier including prefixes
    local previous_key = KEYS[2]           -- key of the previous bucket
    local tokens       = tonumber(ARGV[1]) -- tokens per window
    local now          = ARGV[2]           -- current timestamp in milliseconds
    local window       = ARGV[3]           -- interval in milliseconds
    local increment_by = ARGV[4]           -- increment rate per request at a given value, default is 1

    local requests_in_current_window = redis.call("GET", current_key)
    if requests_in_current_window == false then
        requests_in_current_window = 0
    end

    local requests_in_previous_window = redis.call("GET", previous_key)
    if requests_in_previous_window == false then
        requests_in_previous_window = 0
    end
    local percentage_in_current = ( now % window ) / window
    -- weighted requests to consider from the previous window
    requests_in_previous_window = math.floor(( 1 - percentage_in_current ) * requests_in_previous_window)
    if requests_in_previous_window + requests_in_current_window >= tokens then
        return -1
    end

    local new_value = redis.call("INCRBY", current_key, increment_by)
    if new_value == tonumber(increment_by) then
        -- The first time this key is set, the value will be equal to increment_by.
        -- So we only need the expire command once
        redis.call("PEXPIRE", current_key, window * 2 + 1000) -- Enough time to overlap with a new window + 1 second
    end
    return tokens - ( new_value + requests_in_previous_window )
    