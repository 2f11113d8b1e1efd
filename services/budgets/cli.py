"""``regionctl import FILE [--format csv|ofdp] [--mode partial|all_or_nothing]``.

Sends a revenue file to the budgets service through its import RPCs (``import_start``,
``import_chunk`` × n, ``import_finish``) and follows the job's status document with a progress
bar until it ends; the service may run on another machine, so the file travels as text chunks
rather than as a path. Memory stays flat: one chunk is read, sent and dropped at a time.

FILE is a CSV (see ``services.budgets.imports.parsers``) or, with ``--format ofdp``, either a
``datapackage.json`` (its CSV resource is read relative to it) or a zip holding both, as the
annual report's OFDP export produces. Exit status: 0 when the import completed (row errors of a
partial import are listed), 1 when it was rejected or failed, 2 for a file that cannot be read.

Wiring (services/regionctl.py)::

    imp = sub.add_parser("import", help="import revenue lines from a CSV or OFDP file")
    add_import_arguments(imp); imp.set_defaults(func=import_command)
"""
import argparse
import getpass
import io
import json
import os
import sys
import time
import zipfile
from contextlib import contextmanager

from services.common import remote_errors  # noqa: F401  (errors come back as their own types)
from services.common.config import load_settings
from services.common.errors import PlatformError

CHUNK_CHARS = 1_000_000
POLL_SECONDS = 0.5
RPC_TIMEOUT_SECONDS = 60
ERRORS_SHOWN = 20
BAR_WIDTH = 30


def add_import_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("file", help="CSV file, datapackage.json or an OFDP zip")
    parser.add_argument("--format", choices=("csv", "ofdp"), default=None,
                        help="csv or ofdp (default: from the file name)")
    parser.add_argument("--mode", choices=("partial", "all_or_nothing"), default="partial",
                        help="partial keeps good rows; all_or_nothing stores nothing if a row "
                             "fails")
    parser.add_argument("--chunk-chars", type=int, default=CHUNK_CHARS, help=argparse.SUPPRESS)
    return parser


@contextmanager
def _open_source(path: str, source_format: str):
    """(datapackage or None, text stream of the CSV to send, its size in bytes)."""
    if source_format == "csv":
        with open(path, encoding="utf-8", newline="") as text:
            yield None, text, os.path.getsize(path)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as package:
            descriptor = json.loads(package.read("datapackage.json"))
            member = descriptor["resources"][0]["path"]
            with io.TextIOWrapper(package.open(member), encoding="utf-8", newline="") as text:
                yield descriptor, text, package.getinfo(member).file_size
    else:
        with open(path, encoding="utf-8") as handle:
            descriptor = json.load(handle)
        resource = os.path.join(os.path.dirname(os.path.abspath(path)),
                                descriptor["resources"][0]["path"])
        with open(resource, encoding="utf-8", newline="") as text:
            yield descriptor, text, os.path.getsize(resource)


def _operator() -> str:
    try:
        return f"regionctl:{getpass.getuser()}"
    except Exception:  # no user name in this environment
        return "regionctl"


class ProgressBar:
    """One line on stderr, redrawn in place: ``[####------]  42%  phase  rows  rows/s``."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.started = time.monotonic()

    def show(self, fraction: float, label: str, rows: int | None = None) -> None:
        fraction = max(0.0, min(1.0, fraction))
        filled = int(round(fraction * BAR_WIDTH))
        elapsed = max(time.monotonic() - self.started, 1e-6)
        tail = f"  {rows:,} rows  {rows / elapsed:,.0f} rows/s" if rows is not None else ""
        self.stream.write(f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction:4.0%}  "
                          f"{label:<14}{tail}   ")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def run_import(proxy, path: str, source_format: str, mode: str, *, chunk_chars=CHUNK_CHARS,
               bar: ProgressBar | None = None, poll_seconds=POLL_SECONDS) -> dict:
    """Upload ``path`` through ``proxy`` (a budgets RPC proxy) and wait for the final status."""
    bar = bar or ProgressBar()
    with _open_source(path, source_format) as (descriptor, text, size):
        status = proxy.import_start(source_format, mode, descriptor, None, _operator())
        import_id, seq, sent = status["import_id"], 0, 0
        while True:
            chunk = text.read(chunk_chars)
            if not chunk:
                break
            proxy.import_chunk(import_id, seq, chunk)
            seq, sent = seq + 1, sent + len(chunk.encode("utf-8"))
            bar.show(sent / size if size else 1.0, "uploading")
    status = proxy.import_finish(import_id, seq)
    total_chars = max(status.get("chars_received") or 0, 1)
    while not status["done"]:
        time.sleep(poll_seconds)
        status = proxy.import_status(import_id)
        phase = status.get("phase") or status["state"]
        bar.show((status.get("chars_processed") or 0) / total_chars, phase,
                 status.get("rows_processed") or 0)
    bar.show(1.0, status["state"], status.get("rows_processed") or 0)
    bar.done()
    return status


def print_summary(status: dict, out=None) -> None:
    out = out or sys.stdout
    print(f"import {status['import_id']}: {status['state']}", file=out)
    print(f"  rows read {status['rows_processed']:,}, rejected {status['rows_rejected']:,}; "
          f"lines inserted {status['lines_inserted']:,}, updated {status['lines_updated']:,}, "
          f"unchanged {status['lines_unchanged']:,}", file=out)
    if status.get("failure"):
        print(f"  {status['failure']}", file=out)
    for error in status["errors"][:ERRORS_SHOWN]:
        print(f"  row {error['row']}: {error['field']}: {error['reason']}", file=out)
    hidden = status["errors_total"] - min(len(status["errors"]), ERRORS_SHOWN)
    if hidden > 0:
        print(f"  … and {hidden:,} more row errors (see the import status)", file=out)


def import_command(args) -> int:
    from nameko.standalone.rpc import ServiceRpcProxy
    source_format = args.format or ("csv" if args.file.lower().endswith(".csv") else "ofdp")
    try:
        with ServiceRpcProxy("budgets", {"AMQP_URI": load_settings().amqp_uri},
                             timeout=RPC_TIMEOUT_SECONDS) as proxy:
            status = run_import(proxy, args.file, source_format, args.mode,
                                chunk_chars=args.chunk_chars)
    except (OSError, UnicodeDecodeError, KeyError, IndexError, ValueError,
            zipfile.BadZipFile) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    except PlatformError as exc:
        print(f"error: {exc.message} {json.dumps(exc.details)}", file=sys.stderr)
        return 1
    print_summary(status)
    return 0 if status["state"] == "completed" else 1


# -- demo data (``regionctl seed``) ---------------------------------------------------------------
SEED_PARTS = ("lines", "blocks", "forecasts")  # application.seeding's, loaded side by side
DEMO_SEED = 2025
DEMO_YEARS = (2025, 2026)
# Regions whose 2025 annual report the demo has already generated (the others are left to the
# reporting calendar: overdue since 1 April 2026, which the hub's checks turn into initiatives).
DEMO_REPORTED_REGIONS = ("KZ-11", "KZ-15", "KZ-35", "KZ-39", "KZ-47", "KZ-55", "KZ-59", "KZ-71",
                         "KZ-75", "KZ-79")


def demo_executed_through(today) -> dict[int, int]:
    """Months of execution the demo has per year as of ``today``: every month already closed."""
    return {year: (12 if year < today.year else max(1, today.month - 1) if year == today.year
                   else 0) for year in DEMO_YEARS}


def seed_budgets(rpc, *, seed: int, today, out=sys.stdout) -> dict:
    """Load the demo transfers, revenue lines, indicators, blocks, forecasts and reports.

    The service builds and stores each part in bulk (``load_seed``, see
    ``services.budgets.application.seeding``); the reports are generated last, through their
    command. Safe to re-run: line batches carry stable ids (a replayed batch is a no-op),
    transfers and forecasts are set values, indicators emit facts only when they change, a block
    that exists is left as it is.
    """
    through = demo_executed_through(today)
    request = {"seed": seed, "years": list(DEMO_YEARS),
               "executed_through": {str(year): months for year, months in through.items()}}
    started = time.monotonic()
    reports = {}
    # the parts write documents of their own (lines with the transfers and indicators computed
    # from them; blocks; forecasts) and read none of the others': they load side by side, each in
    # a worker of the service, and the blocks and forecasts no longer wait for the lines
    pending = {part: rpc.load_seed.call_async({**request, "part": part}) for part in SEED_PARTS}
    for part in SEED_PARTS:
        reports[part] = pending[part].result()
        print(f"budgets {part}: {json.dumps(reports[part])} "
              f"({time.monotonic() - started:.1f}s)", file=out)
    # one region's report reads and writes that region's documents only: the ten are generated
    # side by side (the service works on them in its own workers)
    pending = [rpc.generate_annual_report.call_async(region_code, 2025)
               for region_code in DEMO_REPORTED_REGIONS]
    for reply in pending:
        reply.result()
    print(f"budgets: {len(DEMO_REPORTED_REGIONS)} annual reports for 2025 "
          f"({time.monotonic() - started:.1f}s)", file=out)
    return {"lines": reports["lines"]["lines"], "blocks": reports["blocks"]["stored"]}


def seed_command(args) -> int:
    """Entry point for ``regionctl seed`` (budgets part)."""
    from datetime import datetime, timezone

    from nameko.standalone.rpc import ServiceRpcProxy
    config = {"AMQP_URI": load_settings().amqp_uri, "serializer": "json"}
    today = getattr(args, "today", None) or datetime.now(timezone.utc).date()
    seed = getattr(args, "seed", None) or DEMO_SEED
    try:
        with ServiceRpcProxy("budgets", config,
                             timeout=getattr(args, "timeout", None) or 600) as rpc:
            seed_budgets(rpc, seed=seed, today=today)
    except PlatformError as exc:
        print(f"budgets seed refused: {exc.message} {json.dumps(exc.details)}", file=sys.stderr)
        return 1
    return 0
