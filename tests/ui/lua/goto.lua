for i = 1, #KEYS do
  if i == 2 then goto continue end
  redis.call('DEL', KEYS[i])
end
