---@key lists... string
---@key log string
return #KEYS
