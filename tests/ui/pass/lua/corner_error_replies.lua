if redis.call("EXISTS", KEYS[1]) == 0 then
  return redis.error_reply("NOTFOUND " .. KEYS[1])
end
if ARGV[1] == "" then
  return {err = "BADARG empty"}
end
local code = ARGV[2]
if code then
  return redis.error_reply(code)
end
return redis.status_reply("OK")
