#!lua flags=no-writes
-- The number of keys in the database.
---@return {size: integer}
return {redis.call('DBSIZE')}
