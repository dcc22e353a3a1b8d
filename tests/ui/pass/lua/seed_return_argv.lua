return ARGV[1];
