local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  error({err = 'NOSCRIPT expired'})
end
return ttl
