-- wrk script: cycles through the request paths in the file named by PATHS (one per line), each
-- thread starting at its own offset, and prints requests/s, p50 and p99 as one parsable line.
local paths = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("PATHS")) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  counter = (id or 0) * 97
  local token = os.getenv("TOKEN")
  if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, errors))
end
