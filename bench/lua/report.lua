-- Appended to every scenario script: one machine-readable line with the run's figures.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"errors\":%d,\"status_errors\":%d," ..
    "\"timeouts\":%d,\"p50_us\":%d,\"p99_us\":%d,\"bytes\":%d}\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), summary.bytes))
end
