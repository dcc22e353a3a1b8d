local pages = tonumber(ARGV[1]) // 10
return pages
