"""`make bench`: the platform's measures, each against its raw baseline in the same run.

    python -m bench [--quick] [--out bench/results/latest.json] [--only read,register,…]

One platform of the bench's own is started (bench.platform); the raw baselines run on the same
broker and store, in the same run, loaded by the same generator (wrk for throughput at a fixed
concurrency, vegeta for latency at a fixed rate). Prints one table and writes the JSON document.
Quick mode shortens every run and sizes the data sets down; full mode adds the national-size
measures (bench.national).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import requests

from bench import cpu, load
from bench.platform import ROOT, Platform, free_port, rss_mb
from bench.report import Result, table, write

PY = os.path.join(ROOT, ".venv", "bin", "python")
REGIONCTL = os.path.join(ROOT, ".venv", "bin", "regionctl")
SEED_QUICK_LIMIT = 240


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class RawServer:
    """bench.raw_server in a process of its own, with the platform's environment."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.env = env
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen([PY, "-m", "bench.raw_server", str(self.port)],
                                        env=self.env, cwd=ROOT, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/", timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("raw baseline server did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)


def project_body(template_ref: str = "BENCH-{n}") -> dict:
    from services.investments.application.demo_data import generate_projects
    body = generate_projects(1, seed=7)[0]
    body["external_ref"] = template_ref
    return body


# ---- measures ------------------------------------------------------------------------------------

def measure_start(platform: Platform) -> list[Result]:
    idle = {name: rss_mb(pid) for name, pid in platform.pids().items()}
    worst = max(idle.values())
    return [Result("cold start to healthy (all services)", platform.cold_start_seconds, "s",
                   max_value=3.0),
            Result("idle RSS, largest service", worst, "MB", max_value=120.0,
                   figures={f"{k}_mb": round(v, 1) for k, v in idle.items()})]


def measure_seed(platform: Platform, quick: bool = False) -> list[Result]:
    began = time.perf_counter()
    # quick mode stays under 10 minutes: a seed still running after SEED_QUICK_LIMIT seconds is
    # stopped and reported with that time (the goal is 30 s, so it is missed either way)
    limit = SEED_QUICK_LIMIT if quick else None
    stopped = False
    try:
        done = subprocess.run([REGIONCTL, "seed"], env=platform.run_env(), cwd=ROOT,
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        done = subprocess.CompletedProcess(exc.cmd, 0, (exc.stdout or b"").decode(errors="replace")
                                           if isinstance(exc.stdout, bytes) else exc.stdout or "",
                                           f"stopped after {limit} s")
        stopped = True
    seconds = time.perf_counter() - began
    log(done.stdout[-2000:])
    if done.returncode != 0:
        log(done.stderr[-2000:])
    # The seed returns once every event is in the broker; the hub's read models follow.
    from services.common.mongo import get_client
    client = get_client()
    projects = client[f"{platform.prefix}_investments"]["projects"]
    hub = client[f"{platform.prefix}_gateway"]["hub_projects"]
    expected = projects.count_documents({})
    deadline = time.perf_counter() + (60 if quick else 300)  # quick mode stays under 10 min
    while hub.count_documents({}) < expected and time.perf_counter() < deadline:
        time.sleep(1)
    caught_up = time.perf_counter() - began
    return [Result("demo seed (regionctl seed, default size)",
                   seconds if done.returncode == 0 else None, "s", max_value=30.0,
                   note=f"stopped after {limit} s (quick mode)" if stopped else "",
                   figures={"exit_code": done.returncode, "stopped": stopped, "projects": expected,
                            "hub_projects": hub.count_documents({}),
                            "hub_caught_up_s": round(caught_up, 1),
                            "output": done.stdout[-600:]})]


def measure_read(platform: Platform, quick: bool) -> list[Result]:
    seconds = 8 if quick else 30
    headers = {"Authorization": f"Bearer {platform.token('admin')}"}
    created = requests.post(platform.base_url + "/api/v1/projects", headers=headers, timeout=30,
                            json=project_body(f"BENCH-READ-{platform.run_id}"))
    created.raise_for_status()
    project_id = created.json()["id"]
    gateway_url = f"{platform.base_url}/api/v1/projects/{project_id}"
    with RawServer(platform.run_env()) as raw:
        raw_url = f"{raw.url}/projects/{project_id}"
        assert requests.get(raw_url, headers=headers, timeout=10).json()["id"] == project_id
        load.wrk(raw_url, connections=16, seconds=2, headers=headers)  # warm both up
        load.wrk(gateway_url, connections=16, seconds=2, headers=headers)
        base = load.wrk(raw_url, connections=16, seconds=seconds, headers=headers)
        gate = load.wrk(gateway_url, connections=16, seconds=seconds, headers=headers)
        log(f"read c16: gateway {gate}\n          raw {base}")
        results = [Result("gateway: GET one project, concurrency 16", gate["rate"], "req/s",
                          baseline=base["rate"], min_ratio=0.5,
                          figures={"gateway": gate, "raw": base})]
        # The goal's rate, and a quarter of it: when the raw baseline itself misses the p99 goal
        # at 100 req/s, the machine cannot serve that rate (the closed-loop rates above say how
        # much it serves), and the lower rate shows the latency where it is not saturated.
        # The lower rate first: an open-loop rate above what the gateway serves leaves it a
        # backlog of requests that would still be answered (late) during the next run.
        steady, quarter = {}, {}
        for name, url in (("gateway", gateway_url), ("raw", raw_url)):
            quarter[name] = load.fixed_rate(url, rate=25, seconds=seconds, headers=headers)
        for name, url in (("gateway", gateway_url), ("raw", raw_url)):
            steady[name] = load.fixed_rate(url, rate=100, seconds=seconds, headers=headers)
        _drain(platform, headers)
        log(f"read 100 req/s: {steady}\nread 25 req/s: {quarter}")
        raw_p99 = steady["raw"]["p99_ms"]
        note = (f"raw baseline p99 {raw_p99:.0f} ms at 100 req/s: the baseline misses the goal "
                f"too, 100 req/s is beyond what this machine serves with headroom (raw serves "
                f"{base['rate']:.0f} req/s closed-loop)" if raw_p99 > 50.0 else "")
        results.append(Result("gateway: GET one project, p99 at a steady 100 req/s",
                              steady["gateway"]["p99_ms"], "ms", baseline=raw_p99,
                              max_value=50.0, figures=steady, note=note))
        results.append(Result("gateway: GET one project, p99 at a steady 25 req/s",
                              quarter["gateway"]["p99_ms"], "ms",
                              baseline=quarter["raw"]["p99_ms"], figures=quarter))
    return results


def _drain(platform: Platform, headers: dict, limit_seconds: float = 30) -> None:
    """Wait until the gateway answers a read within a second again (its backlog is gone)."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        began = time.monotonic()
        try:
            requests.get(platform.base_url + "/health", headers=headers, timeout=5)
        except requests.RequestException:
            pass
        if time.monotonic() - began < 1.0:
            return
        time.sleep(0.5)


def measure_register(platform: Platform, quick: bool) -> list[Result]:
    seconds = 8 if quick else 30
    headers = {"Authorization": f"Bearer {platform.token('admin')}",
               "Content-Type": "application/json"}
    body = json.dumps(project_body(f"BENCH-{platform.run_id}-{{n}}"))
    services = set(platform.pids().values())
    with RawServer(platform.run_env()) as raw:
        cpu.wait_until_quiet()
        with cpu.Accounting(services=services, raw={raw.process.pid}) as raw_cpu:
            base = load.wrk(raw.url + "/projects", connections=8, seconds=seconds,
                            headers=headers, method="POST", body=body)
        with cpu.Accounting(services=services) as gate_cpu:
            gate = load.wrk(platform.base_url + "/api/v1/projects", connections=8,
                            seconds=seconds, headers=headers, method="POST", body=body)
    profile = {"platform": gate_cpu.per(gate["requests"]), "raw": raw_cpu.per(base["requests"])}
    log(f"register c8: gateway {gate}\n             raw {base}\n"
        f"  {cpu.describe('platform', profile['platform'])}\n  {cpu.describe('raw', profile['raw'])}")
    return [Result("command: register a project (HTTP 201), concurrency 8", gate["rate"], "req/s",
                   baseline=base["rate"], min_ratio=0.3,
                   figures={"gateway": gate, "raw": base, "cpu_ms_per_request": profile}),
            cpu.ceiling("command: register, ceiling with a free store (CPU of services and "
                        "broker)", profile["platform"], base["rate"], "req/s")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("QUICK")))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    parser.add_argument("--only", default="", help="comma-separated subset of the measures")
    args = parser.parse_args(argv)
    from bench import measures_data, measures_events
    chosen = {m.strip() for m in args.only.split(",") if m.strip()}

    def wanted(name):
        return not chosen or name in chosen

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    began = time.perf_counter()
    results: list[Result] = []
    from services.common.config import load_settings
    store = load_settings().mongo_uri

    def attempt(name, fn, *fn_args):
        if not wanted(name):
            return
        log(f"=== {name}")
        try:
            results.extend(fn(*fn_args))
        except Exception as exc:  # a broken measure is reported as missing, the others go on
            log(f"{name} failed: {exc!r}")
            results.append(Result(f"{name} (failed: {type(exc).__name__})", None, "-",
                                  min_ratio=1.0, note=repr(exc)[:300]))

    with Platform("bench") as platform:
        log(f"platform up in {platform.cold_start_seconds:.1f}s at {platform.base_url}, "
            f"vhost {platform.vhost}, db prefix {platform.prefix}")
        attempt("start", measure_start, platform)
        attempt("read", measure_read, platform, args.quick)
        attempt("register", measure_register, platform, args.quick)
        attempt("events", measures_events.measure, platform, args.quick)
        # last: the hub keeps consuming the seed's events after the seed returns, which would
        # load the gateway during the measures above
        attempt("seed", measure_seed, platform, args.quick)
    attempt("import", measures_data.budgets_import, args.quick)
    attempt("query", measures_data.investments_query, args.quick)
    if not args.quick:
        from bench import national
        attempt("national", national.measure)  # scale 1.0: 100k projects, 1M lines
    mode = "quick" if args.quick else "full"
    document = write(results, args.out, mode=mode, store=store, started=started,
                     seconds=time.perf_counter() - began)
    print(f"\nmake bench ({mode}), {document['seconds']:.0f}s, store {store}, "
          f"{document['machine']['cpus']} CPUs {document['machine']['cpu']}")
    print(table(results))
    print(f"\nwritten to {os.path.relpath(args.out, ROOT)}")
    # a measure that could not run fails the bench; a goal missed is shown in the table
    return 0 if all(r.platform is not None for r in results) else 1
