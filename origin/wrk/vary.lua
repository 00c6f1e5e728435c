-- Vary (origin/wrk): wrk -s vary.lua URL -- BASE N0 REST K requests the paths
-- BASE .. i .. REST with i = N0 + (thread-1)*K + (n mod K): each of wrk's threads cycles
-- through K values of its own, so no two concurrent requests ask for the same path (two
-- requests for one variant would share one render through singleflight).
local n = 0
local counter = 1
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) base, n0, rest, k = args[1], tonumber(args[2]), args[3], tonumber(args[4]) end
function request()
  n = n + 1
  return wrk.format("GET", base .. (n0 + (id - 1) * k + (n % k)) .. rest)
end
