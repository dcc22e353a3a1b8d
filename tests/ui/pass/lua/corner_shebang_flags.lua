#!lua flags=no-writes,allow-stale,allow-oom,no-cluster,allow-cross-slot-keys
return redis.call("MGET", unpack(KEYS))
