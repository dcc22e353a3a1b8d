local hits = redis.call("FT.SEARCH", KEYS[1], ARGV[1])
local doc = redis.call("JSON.GET", KEYS[2])
local groups = redis.call("XINFO", "GROUPS", KEYS[3])
local name = ARGV[2]
local dynamic = redis.call(name, KEYS[1])
return {hits, doc, groups, dynamic}
