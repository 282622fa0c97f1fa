-- wrk script: every connection cycles through a list of paths, so that no two requests in
-- flight name the same image (coalescing gets no edge) and caches see the whole set.
-- usage: wrk ... -s wrk.lua <url> -- <file with one path per line>
-- "{n}" in a path becomes a number unique to the request (a cachebuster: every miss a miss).
-- done() prints one JSON line with the counts and latency percentiles (microseconds).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local paths, plain, n, base = {}, {}, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(paths, line)
      -- Paths without a counter are formatted once: hit runs reach tens of thousands per second.
      plain[#paths] = (not line:find("{n}", 1, true)) and wrk.format(nil, line) or false
    end
  end
  -- Threads start at different places in the list, and count in disjoint ranges.
  n = (id or 0) * 7
  base = (id or 0) * 1000000000
end

function request()
  n = n + 1
  local i = (n % #paths) + 1
  return plain[i] or wrk.format(nil, (paths[i]:gsub("{n}", tostring(base + n))))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
