
local deleted = 0
for i = 1, #KEYS do
    if redis.call("LLEN", ARGV[i]) == 0 then
        deleted = deleted + redis.call("DEL", KEYS[i])
    end
end
return deleted
