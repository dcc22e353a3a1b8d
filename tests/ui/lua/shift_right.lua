return 256 >> tonumber(ARGV[1])
