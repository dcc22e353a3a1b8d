--- Says hello.
---@arg name string
return "Hello, " .. ARGV[1] .. "!"
