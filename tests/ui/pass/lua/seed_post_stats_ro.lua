local views = tonumber(redis.call("GET", KEYS[1] .. ":views") or "0")
local likes = tonumber(redis.call("GET", KEYS[1] .. ":likes") or "0")
local ratio = 0

if views > 0 then
  ratio = likes / views
end

return {views, likes, ratio}
