---@arg value string
return ARGV[1]
