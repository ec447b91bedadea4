-- The same program in Lua 5.4, for bench/vm/run.sh.
local function tak(x, y, z)
    if y < x then return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) else return z end
end
print(tak(tonumber(arg[1]), tonumber(arg[2]), tonumber(arg[3])))
