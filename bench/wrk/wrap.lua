-- Wrap-ups as fast as the server answers them: each request posts /wrap-up for the next call
-- of BENCH_IDS (a file of "interaction-id token" lines: the call and the token of the agent
-- who holds it), each call once; run with one thread
-- (-t1), which is plenty for wrk. Once every call was sent, the connections wait; the first
-- and last answers' times give the achieved rate.
-- Environment: BENCH_IDS, BENCH_DIR.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local now_us = require("clock")

local ids, tokens = {}, {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local id, token = line:match("^(%d+) (%S+)$")
  table.insert(ids, id)
  table.insert(tokens, token)
end
local thread_of = nil

function setup(thread)
  thread_of = thread
end

function init(args)
  wrk.method = "POST"
  sent, ok, failed, first, last, primed = 0, 0, 0, 0, 0, false
end

function delay()
  -- Nothing left to send: hold the connection until the run ends (no filler requests).
  if sent >= #ids then return 3600000 end
  return 0
end

function request()
  -- wrk builds one request per thread before any connection sends (and never sends it):
  -- that one names no call, so that every call is wrapped up.
  if not primed then
    primed = true
    return wrk.format(nil, "/health")
  end
  sent = sent + 1
  local n = math.min(sent, #ids)
  local auth = { ["Authorization"] = "Bearer " .. tokens[n] }
  return wrk.format(nil, "/api/v1/interactions/" .. ids[n] .. "/wrap-up", auth)
end

function response(status, headers, body)
  local at = now_us()
  if first == 0 then first = at end
  last = at
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
  if ok + failed >= #ids then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local t = thread_of
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"sent":%d,"ok":%d,"failed":%d,"errors":%d,' ..
    '"first_us":%d,"last_us":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n', summary.requests,
    t:get("sent"), t:get("ok"), t:get("failed"),
    e.connect + e.read + e.write + e.timeout, t:get("first"), t:get("last"),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
