#!lua "flags=no-writes,allow-stale"
-- Redis splits the shebang line like a command line, so a quoted flags list counts.
return redis.call('GET', KEYS[1])
