local limit = tonumber(ARGV[2])
local key = 'counter:' .. ARGV[1]
local hits = redis.call('INCR', key)
if hits == 1 then
  redis.call('EXPIRE', key, 60)
end
return hits <= limit
