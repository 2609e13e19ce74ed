-- Ringing calls at a fixed offered rate: one RingCentral telephony-session notification per
-- request, each with its own session id carrying its send time (microseconds); run with one
-- thread (-t1).
-- Environment: BENCH_RATE (calls/s over all connections), BENCH_CONNECTIONS (wrk's -c),
-- BENCH_LABEL (the line's name),
-- BENCH_TAG (a run's prefix), BENCH_DIR (this folder).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local now_us = require("clock")
local template = require("payload")

local rate = tonumber(os.getenv("BENCH_RATE"))
local label = os.getenv("BENCH_LABEL")
local tag = os.getenv("BENCH_TAG")
local counter = 0
local thread_of = nil

function setup(thread)
  thread_of = thread
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  ok, failed, scheduled = 0, 0, 0
  -- Every connection sends its first request at once; after that the k-th request is due
  -- at start + (connections + k) / rate, whichever connection is free: a fixed offered rate
  -- that does not slow down when the server does (unless every connection is waiting).
  connections = tonumber(os.getenv("BENCH_CONNECTIONS"))
  start_us = now_us()
end

function delay()
  scheduled = scheduled + 1
  local due = start_us + (connections + scheduled) * 1e6 / rate
  return math.max(0, (due - now_us()) / 1000)
end

function request()
  counter = counter + 1
  local sent = now_us()
  local session = string.format("%s-%d-%d", tag, counter, sent)
  return wrk.format(nil, nil, nil, template(session, label))
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local good, bad = thread_of:get("ok"), thread_of:get("failed")
  io.write(string.format('BENCH {"requests":%d,"seconds":%.6f,"ok":%d,"failed":%d,' ..
    '"errors":%d}\n', summary.requests, summary.duration / 1e6, good, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
