-- wrk script for `make bench` (scripts/bench_wrk.py): rotates through prepared requests.
--
--   wrk -t2 -c8 -d30s -s scripts/bench_rotate.lua http://127.0.0.1:PORT -- FILE MODE THREADS EXPECT
--
-- FILE holds one request a line, tab-separated: method, path, Cookie header ("-" for
-- none), form body ("-" for none). The Python side prepares it (for the survey submit:
-- each respondent taken to the review page, with its own cookie and its confirmed
-- answers), so what the submit looks like is decided there, not here.
-- MODE "loop" goes round the lines for the whole run; "once" sends each line once
-- (thread n takes lines n, n + THREADS, …) and stops the thread when its lines are done;
-- wrk itself runs on to its -d, so the load's time is measured here, from each thread's
-- first request to its last answer (clock_gettime through LuaJIT's FFI), and reported
-- as "span_us" (in "loop" mode wrk's own duration is the load's).
-- EXPECT "200" counts a 200 as right; "redirect:SUFFIX" a 302/303 whose Location ends
-- with SUFFIX. Every other answer is counted wrong. In "once" mode a connection that
-- asks for a request after the thread's lines are all sent gets a GET of /healthz
-- (never a line twice: a second submit would race the first); its JSON answer is
-- counted apart, and the thread stops once every line has had its answer (so no
-- request is cut off in flight).
-- done() prints one line "WRKJSON {...}" for the Python side to read.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local timespec = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local requests = {}
local spare = wrk.format("GET", "/healthz")
local index = 0
local answered = 0
local once = false
local expect_status = 200
local expect_suffix = nil

ok = 0
bad = 0
extra = 0
first = 0 -- this thread's first request and last counted answer (monotonic seconds)
last = 0

local function split(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(out, field)
  end
  return out
end

function init(args)
  local file, mode, count, expect = args[1], args[2], tonumber(args[3]), args[4]
  once = mode == "once"
  if expect ~= "200" then
    expect_status = nil
    expect_suffix = expect:match("^redirect:(.*)$")
  end
  local n = 0
  for line in io.lines(file) do
    if line ~= "" then
      if not once or n % count == thread_id then
        local f = split(line)
        local headers = {}
        if f[3] ~= "-" then headers["Cookie"] = f[3] end
        local body = nil
        if f[4] ~= "-" then
          body = f[4]
          headers["Content-Type"] = "application/x-www-form-urlencoded"
        end
        table.insert(requests, wrk.format(f[1], f[2], headers, body))
      end
      n = n + 1
    end
  end
end

local verified = false

function request()
  -- wrk (4.1) calls the first thread's request() once before the run, to check what it
  -- returns: that call must not use up a line (it would never be sent).
  if thread_id == 0 and not verified then
    verified = true
    return spare
  end
  if first == 0 then first = now() end
  index = index + 1
  if index > #requests then
    if once then return spare end
    index = 1
  end
  return requests[index]
end

local function right(status, headers)
  if expect_status then
    return status == expect_status
  end
  local location = headers["Location"] or headers["location"] or ""
  local path = location:gsub("^https?://[^/]+", "")
  return (status == 302 or status == 303) and path:sub(-#expect_suffix) == expect_suffix
end

function response(status, headers, body)
  local content = headers["Content-Type"] or headers["content-type"] or ""
  if once and status == 200 and content:find("json", 1, true) then
    extra = extra + 1 -- a spare /healthz
    return
  end
  answered = answered + 1
  if right(status, headers) then
    ok = ok + 1
  else
    bad = bad + 1
  end
  last = now()
  if once and answered >= #requests then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local good, wrong, more = 0, 0, 0
  local start, stop = nil, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    wrong = wrong + thread:get("bad")
    more = more + thread:get("extra")
    local a, b = thread:get("first"), thread:get("last")
    if a > 0 and (start == nil or a < start) then start = a end
    if b > stop then stop = b end
  end
  local span = start and (stop - start) * 1e6 or 0 -- done() runs in the main state: no `once`
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"ok": %d, "bad": %d, "extra": %d, "socket_errors": %d, "duration_us": %d, '
      .. '"span_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    good, wrong, more, e.connect + e.read + e.write + e.timeout, summary.duration, span,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
