return 1 << tonumber(ARGV[1])
