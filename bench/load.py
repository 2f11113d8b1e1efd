"""Real load generators, driven from the bench: wrk (closed loop, N connections) for throughput,
vegeta (open loop, a fixed request rate, wrk2-style: latency counted from when each request was
due, so a stall is not hidden) for latency at a steady rate.

Debian's ``wrk`` has no fixed-rate mode (-R is wrk2's); vegeta is a Go module, installed by
``bench/tools.sh`` into ``var/tools/bin`` when missing.
"""
import json
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS_BIN = os.path.join(ROOT, "var", "tools", "bin")

# Prints one JSON line at the end of a wrk run: requests, non-2xx/socket errors, latency in µs.
WRK_SCRIPT = r"""
local counter = 0
local headers = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = os.getenv("BENCH_BODY")
for pair in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local k, v = pair:match("^([^:]+):%s*(.*)$")
  if k then headers[k] = v end
end
local thread_id = 0
setup = function(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
request = function()
  counter = counter + 1
  local body = nil
  if body_template then
    body = body_template:gsub("{n}", tostring(tid or 0) .. "-" .. tostring(counter))
  end
  return wrk.format(method, nil, headers, body)
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def wrk(url: str, *, connections: int, seconds: float, headers: dict | None = None,
        method: str = "GET", body: str | None = None, threads: int = 2) -> dict:
    """Run wrk; returns req/s, p50/p99 in ms, errors. ``body`` may hold ``{n}`` for a unique
    counter per request (registrations need distinct keys)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = dict(os.environ, BENCH_METHOD=method,
               BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in (headers or {}).items()))
    if body is not None:
        env["BENCH_BODY"] = body
    try:
        done = subprocess.run(["wrk", "-t", str(min(threads, connections)), "-c", str(connections),
                               "-d", f"{max(1, int(seconds))}s", "--timeout", "10s",
                               "-s", script.name, url],
                              env=env, capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    data = json.loads(line)
    ok = data["requests"] - data["non2xx"]
    return {"rate": ok / data["seconds"], "requests": data["requests"], "non2xx": data["non2xx"],
            "socket_errors": data["socket_errors"], "p50_ms": data["p50_us"] / 1000,
            "p90_ms": data["p90_us"] / 1000, "p99_ms": data["p99_us"] / 1000,
            "max_ms": data["max_us"] / 1000, "connections": connections}


def vegeta_path() -> str | None:
    found = shutil.which("vegeta") or os.path.join(TOOLS_BIN, "vegeta")
    return found if os.path.exists(found) else None


def ensure_vegeta() -> str | None:
    path = vegeta_path()
    if path is None:
        subprocess.run(["bash", os.path.join(ROOT, "bench", "tools.sh")], check=False)
        path = vegeta_path()
    return path


def fixed_rate(url: str, *, rate: int, seconds: float, headers: dict | None = None) -> dict:
    """``rate`` requests a second for ``seconds`` (open loop); latency percentiles in ms."""
    vegeta = ensure_vegeta()
    if vegeta is None:
        raise RuntimeError("vegeta is not installed (bench/tools.sh needs Go)")
    target = "\n".join([f"GET {url}", *(f"{k}: {v}" for k, v in (headers or {}).items())]) + "\n"
    attack = subprocess.run([vegeta, "attack", f"-rate={rate}/1s", f"-duration={seconds}s",
                             "-timeout=10s", "-workers=16", "-max-workers=64"],
                            input=target.encode(), capture_output=True, check=True)
    report = subprocess.run([vegeta, "report", "-type=json"], input=attack.stdout,
                            capture_output=True, check=True)
    data = json.loads(report.stdout)
    latencies = data["latencies"]
    codes = data.get("status_codes") or {}
    return {"rate": data["rate"], "throughput": data["throughput"], "requests": data["requests"],
            "success": data["success"], "status_codes": codes,
            "p50_ms": latencies["50th"] / 1e6, "p90_ms": latencies["90th"] / 1e6,
            "p99_ms": latencies["99th"] / 1e6, "max_ms": latencies["max"] / 1e6}
