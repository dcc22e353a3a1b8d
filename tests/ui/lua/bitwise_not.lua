local mask = ~tonumber(ARGV[1])
return mask
