-- The same program in Lua 5.4, for bench/vm/run.sh.
local function fib(n) if n < 2 then return n else return fib(n - 1) + fib(n - 2) end end
print(fib(tonumber(arg[1])))
