
local concurrency = tonumber(ARGV[1])
local timestamp = tonumber(ARGV[2])
local enqueued_at = ARGV[3]
local queue_key_prefix = ARGV[4]
local job_key_prefix = ARGV[5]
local promoted = {}

while redis.call('ZCARD', KEYS[1]) < concurrency do
    local result = redis.call('ZPOPMIN', KEYS[2])
    if #result == 0 then
        break
    end
    local job_id = result[1]
    local job_key = job_key_prefix .. job_id
    local fields = redis.call('HMGET', job_key, 'origin', 'status', 'enqueue_at_front')
    local origin, status, enqueue_at_front = fields[1], fields[2], fields[3]
    -- Drop stale entries (missing hash, no origin or not rate_limited); ZPOPMIN removed them.
    if origin and status == 'rate_limited' then
        redis.call('ZADD', KEYS[1], timestamp, job_id)
        if enqueue_at_front == '1' then
            redis.call('LPUSH', queue_key_prefix .. origin, job_id)
        else
            redis.call('RPUSH', queue_key_prefix .. origin, job_id)
        end
        redis.call('HSET', job_key, 'status', 'queued', 'enqueued_at', enqueued_at)
        table.insert(promoted, job_id)
    end
end
return promoted
