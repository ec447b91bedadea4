-- Mean and 10th percentile of the list of the first N odd numbers' remainders,
-- as bench/vm/stats.sh builds it for Pledge (linear interpolation between ranks).
local n = tonumber(arg[1])
local xs = {}
for i = 1, n do xs[i] = (i * 7919) % 1000 end
local sum = 0
for i = 1, n do sum = sum + xs[i] end
table.sort(xs)
local rank = 0.1 * (n - 1)
local lo = math.floor(rank)
local p10 = xs[lo + 1] + (xs[lo + 2] - xs[lo + 1]) * (rank - lo)
print(string.format("%.15g %.15g", sum / n, p10))
