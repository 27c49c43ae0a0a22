-- wrk script of the HTTP casting benchmark (referendum.bench.web_load).
--
-- Run as `wrk -t N -c N -s web_load.lua URL -- FOLDER`: each of the N threads holds one
-- connection and casts, in order and once each, the submissions of FOLDER/client-ID.ndjson
-- (one JSON submission a line; ID counts from 0).  When a thread has its last answer it
-- notes its ID in FOLDER/done and stops, so that the driver can end wrk (SIGINT) once every
-- thread is done instead of waiting for wrk's duration.  done() prints one JSON object: the
-- latency percentiles (microseconds), and per thread the status of each answer in order
-- and the monotonic times of its first request and last answer.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } referendum_timespec;
int clock_gettime(int clock, referendum_timespec *out);
]])
local moment = ffi.new("referendum_timespec")
local function now()
  ffi.C.clock_gettime(1, moment) -- CLOCK_MONOTONIC, as Python's time.monotonic
  return tonumber(moment.tv_sec) + tonumber(moment.tv_nsec) * 1e-9
end

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local folder = args[1]
  prepared = {}
  local file = assert(io.open(folder .. "/client-" .. id .. ".ndjson", "rb"))
  for line in file:lines() do
    prepared[#prepared + 1] =
      wrk.format("POST", "/api/ballots", { ["Content-Type"] = "application/json" }, line)
  end
  file:close()
  done_file = folder .. "/done"
  sent, first, last = 0, 0, 0
  waiting = nil
  statuses = {}
end

function request()
  -- one connection, no pipelining: requests and answers alternate, so a call while a
  -- request waits for its answer asks for that request again (wrk does so when its first
  -- write would block, and after a lost connection)
  if waiting == nil then
    sent = sent + 1
    waiting = sent
    if sent == 1 then
      first = now()
    end
  end
  return prepared[waiting]
end

function response(status, headers, body)
  statuses[waiting] = status
  waiting = nil
  if sent == #prepared then
    last = now()
    local file = assert(io.open(done_file, "ab"))
    file:write(id, "\n")
    file:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    local codes = thread:get("statuses") or {}
    local list = {}
    for i = 1, #codes do
      list[i] = tostring(codes[i])
    end
    parts[#parts + 1] = string.format(
      '{"id": %d, "first": %.6f, "last": %.6f, "statuses": [%s]}',
      thread:get("id"), thread:get("first"), thread:get("last"), table.concat(list, ",")
    )
  end
  io.write(string.format(
    '{"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d}, "errors": '
      .. '{"connect": %d, "read": %d, "write": %d, "timeout": %d}, "threads": [%s]}\n',
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    table.concat(parts, ", ")
  ))
end
