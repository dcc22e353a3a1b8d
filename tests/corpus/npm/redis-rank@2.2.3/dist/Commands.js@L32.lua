
local function aroundRange(path, id, distance, fill_borders, sort_dir)
    local r = redis.call((sort_dir == 'low-to-high') and 'zrank' or 'zrevrank', path, id) -- entry rank

    if r == false or r == nil then
        -- entry does not exist
        return { -1, -1, -1, -1 }
    end
    
    local c = redis.call('zcard', path) -- lb size
    local l = math.max(0, r - distance) -- lower bound rank
    local h = 0                         -- upper bound rank

    if fill_borders == 'true' then
        h = l + 2 * distance
        if h >= c then 
            h = math.min(c, r + distance)
            l = math.max(0, h - 2 * distance - 1)
        end
    else
        h = math.min(c, r + distance)
    end

    -- lower bound, upper bound, lb card, query rank
    return { l, h, c, r };
end
