---@key bucket string
---@return {allowed: boolean, counts: table}
return {1, {}}
