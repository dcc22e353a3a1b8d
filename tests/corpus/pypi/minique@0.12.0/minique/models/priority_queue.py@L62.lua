
local queue_key = ARGV[1]
local queue_prio_lookup = ARGV[2]

local queue_len = tonumber(redis.call("LLEN", queue_key))
local hash_len = tonumber(redis.call("HLEN", queue_prio_lookup))

-- Tolerate some excess
if queue_len + 100 >= hash_len then
    return -1
end

local new_hash = {}
local count = 0

for i, queued_job_id in ipairs(redis.call("LRANGE", queue_key, 0, -1)) do
    local priority = redis.call("HGET", queue_prio_lookup, queued_job_id)
    new_hash[queued_job_id] = priority
    count = i
end
redis.call("DEL", queue_prio_lookup)

for queued_job_id, priority in pairs(new_hash) do
    redis.call("HSET", queue_prio_lookup, queued_job_id, priority)
end

return hash_len - count
