-- wrk script for scripts/bench/serve.sh: POSTs Open Inference Protocol v2 bodies, one JSON body per line of the
-- file $SERVE_BODIES, cycling through them (pre-formatted once per thread, so the generator's cost stays a
-- table lookup), with X-Api-Key: $SERVE_API_KEY when set. Prints one machine-readable line at the end:
--   CELL requests=… seconds=… rps=… p50_ms=… p99_ms=… non2xx=… socket_errors=…
-- wrk counts every status ≥ 400 as a status error; socket errors are connect/read/write failures and timeouts.
local bodies_path = os.getenv("SERVE_BODIES")
local api_key = os.getenv("SERVE_API_KEY")
local prepared = {}
local next_index = 0

function init(args)
  if not bodies_path or bodies_path == "" then error("set SERVE_BODIES to a file of request bodies") end
  local headers = { ["Content-Type"] = "application/json" }
  if api_key and api_key ~= "" then headers["X-Api-Key"] = api_key end
  for line in io.lines(bodies_path) do
    if #line > 0 then prepared[#prepared + 1] = wrk.format("POST", nil, headers, line) end
  end
  if #prepared == 0 then error("no request bodies in " .. bodies_path) end
end

function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("CELL requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
