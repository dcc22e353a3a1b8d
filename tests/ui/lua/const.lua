local limit <const> = 10
return limit
