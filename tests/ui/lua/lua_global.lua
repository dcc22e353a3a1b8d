local env = getfenv(1)
return env ~= nil
