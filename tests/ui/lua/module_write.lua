#!lua flags=no-writes
local doc = redis.call('JSON.GET', KEYS[1], '$')
redis.call('JSON.SET', KEYS[1], '$.seen', 'true')
return doc
