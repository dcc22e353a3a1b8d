local function sum(...)
  local total = 0
  for i = 1, select('#', ...) do
    total = total + (select(i, ...))
  end
  return total
end
local values = {0x1F, 0XfF, 1e-3, 2E+2, .5, 3., 1.25e1, 42, 0x1p4}
local n = #values
local power = 2 ^ 10 % 7
local joined = table.concat({sum(1, 2, 3), n, power}, ",")
return joined
