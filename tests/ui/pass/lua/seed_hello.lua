return "Hello, " .. ARGV[1]
