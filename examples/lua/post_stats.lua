--- Read-only analytics of a post: {views, likes, ratio} from <post>:views and <post>:likes.
---@key post string
-- Redis truncates Lua numbers to integers in replies (0.15 would arrive as 0), so the ratio is returned
-- as a string, tostring(ratio), and parsed back into a float by the caller.
local views = tonumber(redis.call("GET", KEYS[1] .. ":views") or "0")
local likes = tonumber(redis.call("GET", KEYS[1] .. ":likes") or "0")
local ratio = 0

if views > 0 then
  ratio = likes / views
end

return {views, likes, tostring(ratio)}
