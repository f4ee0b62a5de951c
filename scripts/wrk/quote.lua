-- wrk script: POST /v1/quote with a typical checkout order (one 2.5 kg parcel to Melbourne).
-- Counts statuses and the config versions seen, per thread, and prints them at the end.
wrk.method = "POST"
wrk.path = "/v1/quote"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"to":{"postcode":"3000","suburb":"MELBOURNE","state":"VIC"},' ..
           '"parcels":[{"weight_kg":2.5,"length_cm":30,"width_cm":20,"height_cm":10}],' ..
           '"from":["syd","mel"],"channel":"web"}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  versions = {}
  missing_version = 0
end

-- Defining response() makes wrk parse every response; LPO_WRK_FAST=1 leaves it out for
-- throughput runs.
if os.getenv("LPO_WRK_FAST") ~= "1" then
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    local v = headers["lpo-config-version"]
    if v == nil then
      missing_version = missing_version + 1
    else
      versions[v] = (versions[v] or 0) + 1
    end
  end
end

function done(summary, latency, requests)
  local st, ve, missing = {}, {}, 0
  for _, t in ipairs(threads) do
    for k, n in pairs(t:get("statuses") or {}) do st[k] = (st[k] or 0) + n end
    for k, n in pairs(t:get("versions") or {}) do ve[k] = (ve[k] or 0) + n end
    missing = missing + (t:get("missing_version") or 0)
  end
  for k, n in pairs(st) do io.write(string.format("status %s: %d\n", k, n)) end
  for k, n in pairs(ve) do io.write(string.format("config_version %s: %d\n", k, n)) end
  io.write(string.format("responses without a config version: %d\n", missing))
  io.write(string.format("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
