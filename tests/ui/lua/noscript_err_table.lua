if redis.call('EXISTS', KEYS[1]) == 0 then
  return {err = "NOSCRIPT not loaded"}
end
return 1
