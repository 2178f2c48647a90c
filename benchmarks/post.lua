-- wrk script: POST the exam bundle to $localize-root, a new patient per request.
--
--   wrk -s benchmarks/post.lua URL -- BODY_FILE TAG
--
-- BODY_FILE holds the placeholder subject "Patient/bench-0" (in every Observation); each request
-- replaces it with Patient/TAG-<thread>-<counter>, so no idempotency short-cut applies.
-- done() prints one line, "RESULT {json}", that benchmarks/load.py reads.

local PLACEHOLDER = "Patient/bench-0"
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local body = file:read("*a")
  file:close()
  parts = {}  -- the body split around each occurrence of the placeholder
  local from = 1
  while true do
    local at = string.find(body, PLACEHOLDER, from, true)
    if at == nil then break end
    table.insert(parts, string.sub(body, from, at - 1))
    from = at + #PLACEHOLDER
  end
  table.insert(parts, string.sub(body, from))
  subject_prefix = "Patient/" .. args[2] .. "-" .. id .. "-"
  counter = 0
  failed = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/fhir+json"
  wrk.headers["Accept"] = "application/fhir+json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, table.concat(parts, subject_prefix .. counter))
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local non_200 = 0
  for _, thread in ipairs(threads) do
    non_200 = non_200 + (thread:get("failed") or 0)
  end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "non_200": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, non_200,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
