-- Wall-clock microseconds through LuaJIT's FFI (wrk's Lua has no sub-second clock): the
-- screen-pop latency is the SSE arrival time minus the send time carried in the payload.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")

return function()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end
