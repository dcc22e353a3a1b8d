
local queue_key = ARGV[1]
local queue_prio_lookup = ARGV[2]
local job_key = ARGV[3]
local job_id = ARGV[4]
local job_priority = tonumber(redis.call("HGET", job_key, "priority")) or 0
local job_index = 1
local insert_status = -1

-- Check the priority for the last job in the queue, we might become the new last job
-- This is generally more efficient than iterating the queue.
local last_job_id = redis.call("LRANGE", queue_key, -1, -1)[1]
if last_job_id ~= nil then
    local last_job_priority = tonumber(redis.call("HGET", queue_prio_lookup, last_job_id)) or 0
    if last_job_priority >= job_priority then
        insert_status = redis.call("RPUSH", queue_key, job_id)
        -- Insert status is the length of the queue
        job_index = insert_status
    end
else
    -- The queue is empty.
    insert_status = redis.call("RPUSH", queue_key, job_id)
end

if insert_status == -1 then
    -- Our place in the queue is somewhere in the middle, search for it
    for i, queued_job_id in ipairs(redis.call("LRANGE", queue_key, 0, -1)) do
        local queued_job_priority = tonumber(redis.call("HGET", queue_prio_lookup, queued_job_id)) or 0
        if queued_job_priority < job_priority then
            -- Found the first job with a lower priority, insert before it
            insert_status = redis.call("LINSERT", queue_key, "BEFORE", queued_job_id, job_id)
            job_index = i
            break
        end
    end
end

if insert_status == -1 then
    -- No higher priority jobs found, insert to the end
    redis.call("RPUSH", queue_key, job_id)
end

-- Introduce the newly added job to the priority lookup hash
redis.call("HSET", queue_prio_lookup, job_id, job_priority)

return job_index
