return tonumber(ARGV[1]) & 0xFF
