-- Lock with a fencing token: every successful acquisition gets a strictly larger token, so a storage
-- layer can reject writes from a holder whose lock expired while it was paused.
--
-- KEYS[1]  lock key (holds "owner:token")
-- KEYS[2]  fencing counter (never expires)
-- ARGV[1]  "acquire", "renew" or "release"
-- ARGV[2]  owner id
-- ARGV[3]  ttl in milliseconds (acquire, renew)
--
-- acquire -> token (integer) or false if held by someone else
-- renew   -> 1 if still held by owner, 0 otherwise
-- release -> 1 if released, 0 if not the owner

local lock, counter = KEYS[1], KEYS[2]
local action, owner = ARGV[1], ARGV[2]
local ttl = tonumber(ARGV[3])

local function holder()
  local value = redis.call("GET", lock)
  if not value then
    return nil, nil
  end
  local sep = string.find(value, ":", 1, true)
  return string.sub(value, 1, sep - 1), tonumber(string.sub(value, sep + 1))
end

if action == "acquire" then
  local current_owner, current_token = holder()
  if current_owner and current_owner ~= owner then
    return false
  end
  if current_owner == owner then
    redis.call("PEXPIRE", lock, ttl)
    return current_token
  end
  local token = redis.call("INCR", counter)
  redis.call("SET", lock, owner .. ":" .. token, "PX", ttl)
  return token
elseif action == "renew" then
  local current_owner = holder()
  if current_owner ~= owner then
    return 0
  end
  return redis.call("PEXPIRE", lock, ttl)
elseif action == "release" then
  local current_owner = holder()
  if current_owner ~= owner then
    return 0
  end
  return redis.call("DEL", lock)
end

return redis.error_reply("ERR unknown action " .. tostring(action))
