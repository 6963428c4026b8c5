-- wrk script for bench_matching.py --driver wrk: each request is a path drawn at random from
-- the file named by WRK_PATHS, with the session cookie of WRK_COOKIES (one per line, drawn
-- per thread). Prints one JSON line with the latency percentiles and the non-200 count.
local paths, cookies = {}, {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
for line in io.lines(os.getenv("WRK_COOKIES")) do cookies[#cookies + 1] = line end
local counter, threads = 0, {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(tonumber(os.getenv("WRK_SEED") or "1") * 1000 + id)
  cookie = cookies[(id - 1) % #cookies + 1]
  bad = 0
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], {["Cookie"] = cookie})
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + (thread:get("bad") or 0) end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "not_200": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, "mean_ms": %.1f}\n',
    summary.requests, summary.duration / 1e6, not_ok,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
