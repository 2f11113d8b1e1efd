"""Bulk revenue import through the real import path against raw ``insert_many``, same run.

    python -m bench.bench_budgets_import [--rows 1000000] [--chunk-chars 1000000]

Setup: a CSV of N valid, distinct revenue lines (17 regions, rural-district budgets, 12 months ×
10 revenue codes each) written to a temporary file; a budgets service container started in this
process on a vhost and database prefix of its own (both removed afterwards).

Measured:
- raw baseline: the very documents the import stores (``repository.stored_line``), built one
  batch of 1,000 at a time outside the clock, written with ``insert_many`` (unordered) into a
  collection of their own with the same indexes as the lines collection; only the
  ``insert_many`` calls are timed;
- import path: what ``regionctl import FILE`` does, timed from the first chunk to the final
  status: chunks over RPC, staged in the store, parsed and validated row by row, natural-key
  upserts in batches, indicators recalculated for the pairs touched, ``revenue_batch_imported``
  stored with the status (outbox).
Prints rows/s of both, the ratio import/raw (goal ≥ 0.5) and the peak RSS of this process, which
holds the generator, the client side and the service (goal < 300 MB).
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from urllib.parse import quote  # noqa: E402

import requests  # noqa: E402

from services.budgets.contract import CSV_HEADER  # noqa: E402
from services.common.regions import REGIONS  # noqa: E402

DEFAULT_ROWS = 1_000_000
BATCH = 1000
CODES = ("101202", "104102", "104302", "104401", "104402", "105430", "101201", "104101",
         "105405", "201504")
REGION_CODES = sorted(code for code, region in REGIONS.items() if region.kind == "region")
LINES_PER_BUDGET = 12 * len(CODES)


def row(i: int) -> dict:
    """The i-th bench line: distinct natural keys, valid by construction."""
    budget, rest = divmod(i, LINES_PER_BUDGET)
    month, code = divmod(rest, len(CODES))
    return {"region_code": REGION_CODES[budget % len(REGION_CODES)],
            "budget_level": "rural_district", "district": f"Rural okrug {budget:06d}",
            "fiscal_year": 2025, "period": f"M{month + 1:02d}", "ebk_code": CODES[code],
            "phase": "executed", "amount_kzt": f"{(i * 7919) % 10_000_000 / 100:.2f}"}


def write_csv(path: str, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(CSV_HEADER) + "\n")
        for i in range(rows):
            item = row(i)
            out.write(",".join(str(item[c]) for c in CSV_HEADER) + "\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for text in status:
            if text.startswith("VmRSS:"):
                return int(text.split()[1]) / 1024
    return 0.0


class Isolation:
    """A vhost and a database prefix of the bench's own, so a running platform is never touched."""

    def __init__(self):
        from services.common.config import load_settings
        self.run_id = uuid.uuid4().hex[:8]
        self.vhost = f"bench_{self.run_id}"
        settings = load_settings()
        self.api = settings.rabbit_api_uri
        base = settings.amqp_uri.rstrip("/")
        base = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
        self.amqp_uri = f"{base}/{self.vhost}"
        self.prefix = f"bench_{self.run_id}"

    def __enter__(self):
        name = quote(self.vhost, safe="")
        requests.put(f"{self.api}/api/vhosts/{name}", timeout=10).raise_for_status()
        requests.put(f"{self.api}/api/permissions/{name}/guest", timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        os.environ.update({"AMQP_URI": self.amqp_uri, "MONGO_DB_PREFIX": self.prefix,
                           "BUDGETS_METRICS_PORT": "0", "OUTBOX_SWEEP_SECONDS": "1"})
        return self

    def __exit__(self, *exc):
        from services.common.mongo import get_client
        get_client().drop_database(f"{self.prefix}_budgets")
        requests.delete(f"{self.api}/api/vhosts/{quote(self.vhost, safe='')}", timeout=10)


def baseline(rows: int, log) -> float:
    """Seconds spent in insert_many for the import's own documents."""
    from services.budgets.domain.lines import validate_revenue_line
    from services.budgets.repository.lines import RevenueLineRepository, stored_line
    from services.common.config import load_settings
    from services.common.mongo import get_client
    collection = get_client()[load_settings().database_name("budgets")]["baseline_lines"]
    for keys, options in RevenueLineRepository.indexes:  # the same indexes as the real one
        collection.create_index(keys, **options)
    now = datetime.now(timezone.utc)
    spent = 0.0
    for start in range(0, rows, BATCH):
        docs = [stored_line(validate_revenue_line(row(i)), source="csv", batch_id="baseline",
                            now=now) for i in range(start, min(start + BATCH, rows))]
        began = time.perf_counter()
        collection.insert_many(docs, ordered=False)
        spent += time.perf_counter() - began
        if (start // BATCH) % 100 == 99:
            log(f"  baseline {start + BATCH:,}/{rows:,} ({spent:.0f}s in insert_many)")
    return spent


def import_path(path: str, chunk_chars: int, log) -> tuple[float, dict, float]:
    """(seconds, final status, peak RSS seen while importing) of the real import path."""
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ServiceRpcProxy

    from services.budgets.cli import ProgressBar, run_import
    from services.budgets.service import BudgetsService
    from services.common import topology
    config = {"AMQP_URI": os.environ["AMQP_URI"], "serializer": "json", "max_workers": 10}
    topology.declare_all(config["AMQP_URI"])  # the deploy step: the service only looks it up
    container = ServiceContainer(BudgetsService, config)
    container.start()
    peak = [rss_mb()]

    def sample():
        while True:
            peak[0] = max(peak[0], rss_mb())
            eventlet.sleep(0.2)

    sampler = eventlet.spawn(sample)
    try:
        with ServiceRpcProxy("budgets", config, timeout=120) as proxy:
            began = time.perf_counter()
            status = run_import(proxy, path, "csv", "partial", chunk_chars=chunk_chars,
                                bar=ProgressBar(open(os.devnull, "w")), poll_seconds=0.2)
            seconds = time.perf_counter() - began
    finally:
        sampler.kill()
        container.stop()
    return seconds, status, peak[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_budgets_import")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--chunk-chars", type=int, default=1_000_000)
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-budgets-") as folder, Isolation() as iso:
        path = os.path.join(folder, "revenue.csv")
        began = time.perf_counter()
        write_csv(path, args.rows)
        log(f"wrote {args.rows:,} rows ({os.path.getsize(path) / 1e6:.0f} MB) in "
            f"{time.perf_counter() - began:.0f}s; vhost {iso.vhost}, db {iso.prefix}_budgets")
        raw_seconds = baseline(args.rows, log)
        log(f"baseline done in {raw_seconds:.1f}s; importing")
        import_seconds, status, import_peak = import_path(path, args.chunk_chars, log)

    raw_rate = args.rows / raw_seconds
    import_rate = args.rows / import_seconds
    ratio = import_rate / raw_rate
    peak = peak_rss_mb()
    ok = (status["state"] == "completed" and status["lines_inserted"] == args.rows
          and status["rows_rejected"] == 0)
    print(f"budgets import, {args.rows:,} lines")
    print(f"  import path : {import_seconds:8.1f} s  {import_rate:10,.0f} rows/s  "
          f"(state {status['state']}, inserted {status['lines_inserted']:,})")
    print(f"  raw insert  : {raw_seconds:8.1f} s  {raw_rate:10,.0f} rows/s  (insert_many only)")
    verdict = "met" if ratio >= 0.5 else "MISSED"
    print(f"  ratio import/raw: {ratio:.2f}x  (goal >= 0.50: {verdict})")
    print(f"  peak RSS: {peak:.0f} MB for the process, {import_peak:.0f} MB sampled during the "
          f"import  (goal < 300 MB: {'met' if peak < 300 else 'MISSED'})")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"rows": args.rows, "import_seconds": import_seconds,
                       "raw_seconds": raw_seconds, "import_rate": import_rate,
                       "raw_rate": raw_rate, "peak_rss_mb": peak, "import_peak_mb": import_peak,
                       "ok": ok, "status": {k: status.get(k) for k in
                                            ("state", "lines_inserted", "rows_rejected")}}, out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
