-- wrk script of the load test (bench/run.py): the public pages in turn, and every distinct
-- body kept once (by ETag) in BENCH_BODIES, so that run.py can check its numbers afterwards.
local paths = { "/", "/statistics.json", "/statistics.csv" }
local folder = os.getenv("BENCH_BODIES")
local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   n = 0
   seen = {}
   statuses = {}
end

function request()
   n = n + 1
   return wrk.format("GET", paths[(n % #paths) + 1], { ["Accept-Language"] = "en" })
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   local etag = headers["ETag"] or headers["etag"] or "none"
   if not seen[etag] then
      seen[etag] = true
      local name = folder .. "/" .. id .. "-" .. etag:gsub("[^%w]", "") .. "-" .. status
      local file = io.open(name, "wb")
      file:write(body)
      file:close()
   end
end

function done(summary, latency, requests)
   local counts = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + count
      end
   end
   local file = io.open(folder .. "/summary.txt", "w")
   for status, count in pairs(counts) do
      file:write(string.format("status %d %d\n", status, count))
   end
   file:write(string.format("requests %d\n", summary.requests))
   file:write(string.format("errors %d %d %d %d %d\n", summary.errors.connect, summary.errors.read,
      summary.errors.write, summary.errors.status, summary.errors.timeout))
   for _, p in ipairs({ 50, 90, 99, 99.9 }) do
      file:write(string.format("latency_ms %g %.2f\n", p, latency:percentile(p) / 1000))
   end
   file:write(string.format("latency_ms max %.2f\n", latency.max / 1000))
   file:close()
end
