--[[ A block comment
spanning lines ]]
--[==[ a level-2 comment with ]] inside ]==]
-- a line comment with "quotes" and [[brackets]]
local long = [==[
a long string with ]] and ]=] inside
]==]
local plain = [[line one
line two]]
local escapes = "tab\t newline\n quote\" apostrophe\' backslash\\ bell\a decimal\65\066\0067 \
continued after an escaped newline"
local single = 'it\'s'
return {long, plain, escapes, single}
