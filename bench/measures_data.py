"""The data-size measures, each run as its own bench module in a process of its own (the budgets
import runs a service container in-process, with eventlet's monkey patching)."""
import json
import os
import subprocess
import sys
import tempfile

from bench.platform import ROOT
from bench.report import Result

PY = os.path.join(ROOT, ".venv", "bin", "python")


def _run(module: str, *args: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    try:
        done = subprocess.run([PY, "-m", module, *args, "--json", path], cwd=ROOT,
                              stdout=sys.stderr)
        with open(path) as f:
            text = f.read()
        if not text:
            raise RuntimeError(f"{module} wrote no figures (exit {done.returncode})")
        return json.loads(text)
    finally:
        os.unlink(path)


def budgets_import(quick: bool) -> list[Result]:
    rows = 50_000 if quick else 1_000_000
    data = _run("bench.bench_budgets_import", "--rows", str(rows))
    return [Result(f"bulk revenue import, {rows:,} lines", data["import_rate"], "rows/s",
                   baseline=data["raw_rate"], min_ratio=0.5, figures=data),
            Result(f"bulk revenue import, {rows:,} lines: peak RSS", data["peak_rss_mb"], "MB",
                   max_value=300.0, figures={"import_peak_mb": data["import_peak_mb"]})]


def investments_query(quick: bool) -> list[Result]:
    projects = 2_000 if quick else 100_000
    data = _run("bench.bench_investments_query", "--projects", str(projects),
                "--repeat", "5" if quick else "9")
    return [Result(f"project list, region + stage {name}, {projects:,} projects (repository)",
                   data[f"{name} service"]["median"], "ms",
                   baseline=data[f"{name} raw"]["median"], min_ratio=0.5,
                   figures={"service": data[f"{name} service"], "raw": data[f"{name} raw"]})
            for name in ("first page", "deep page")]
