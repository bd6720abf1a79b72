-- Shared by the bench scripts: one machine-readable line at the end of a run, which
-- bench/compare_isso.py parses (wrk's own text summary stays above it for people).
local common = {}

local function statuses_json(statuses)
  local parts = {}
  for code, n in pairs(statuses or {}) do
    parts[#parts + 1] = string.format('"%s": %d', tostring(code), n)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function common.report(summary, latency, statuses)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}, ' ..
    '"statuses": %s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, statuses_json(statuses)))
end

return common
