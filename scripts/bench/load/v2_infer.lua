-- wrk script for scripts/bench/serve.sh: POSTs Open Inference Protocol v2 bodies, one body per line of the file
-- $SERVE_BODIES, cycling through them (pre-formatted once per thread, so the generator's cost stays a table lookup),
-- with X-Api-Key: $SERVE_API_KEY when set. A line is a JSON body, or "HEADER_BYTES HEX" for the binary tensor data
-- extension: the whole body in hex, sent as application/octet-stream with Inference-Header-Content-Length:
-- HEADER_BYTES (peers/v2_bodies.js --binary writes them). Prints one machine-readable line at the end:
--   CELL requests=… seconds=… rps=… p50_ms=… p99_ms=… non2xx=… socket_errors=…
-- wrk counts every status ≥ 400 as a status error; socket errors are connect/read/write failures and timeouts.
local bodies_path = os.getenv("SERVE_BODIES")
local api_key = os.getenv("SERVE_API_KEY")
local prepared = {}
local next_index = 0

local function headers_for(content_type, header_length)
  local headers = { ["Content-Type"] = content_type }
  if header_length then headers["Inference-Header-Content-Length"] = header_length end
  if api_key and api_key ~= "" then headers["X-Api-Key"] = api_key end
  return headers
end

function init(args)
  if not bodies_path or bodies_path == "" then error("set SERVE_BODIES to a file of request bodies") end
  for line in io.lines(bodies_path) do
    local header_length, hex = line:match("^(%d+) (%x+)$")
    if header_length then
      local body = hex:gsub("%x%x", function(byte) return string.char(tonumber(byte, 16)) end)
      prepared[#prepared + 1] = wrk.format("POST", nil, headers_for("application/octet-stream", header_length), body)
    elseif #line > 0 then
      prepared[#prepared + 1] = wrk.format("POST", nil, headers_for("application/json"), line)
    end
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
