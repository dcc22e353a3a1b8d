
-- id: entry id
-- keys: leaderboard keys
-- sorts: sort policies for each leaderboard
local function retrieveEntry(id, keys, sorts)
    local result = {}

    result[#result+1] = id

    for i = 1, #keys, 1 do
        result[#result+1] = redis.call('zscore', keys[i], id)
        -- skip zrank if we know it is going to fail
        if result[#result] == nil then
            result[#result+1] = nil
        else
            result[#result+1] = redis.call((sorts[i] == 'low-to-high') and 'zrank' or 'zrevrank', keys[i], id)
        end
    end

    -- [ id, score, rank, score, rank, ...]
    return result
end
