"""The bench's one table and ``bench/results/latest.json``.

Every measure is a ``Result``: the platform's figure, its raw baseline measured in the same run
(None where the issue names none), the unit, and a goal. A goal is either a ratio against the
baseline (``min_ratio``: platform/baseline for rates, baseline/platform for durations, so a
ratio is always "how many times as fast as raw", 1.0 meaning as fast) or an absolute bound on the
platform's figure (``max_value``).
"""
import json
import os
import platform as host
from dataclasses import asdict, dataclass, field

# Units for which more is better; the others (ms, s, MB) are costs, less is better.
RATE_UNITS = {"req/s", "events/s", "rows/s", "docs/s", "projects/s"}


@dataclass
class Result:
    name: str
    platform: float | None
    unit: str
    baseline: float | None = None
    min_ratio: float | None = None
    max_value: float | None = None
    figures: dict = field(default_factory=dict)  # absolute figures: p50, p99, counts…
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times as fast as the raw baseline (None without a baseline)."""
        if self.platform is None or not self.baseline:
            return None
        if self.unit in RATE_UNITS:
            return self.platform / self.baseline
        return self.baseline / self.platform if self.platform else None

    @property
    def goal(self) -> str:
        parts = []
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:g}x raw")
        if self.max_value is not None:
            parts.append(f"{'>=' if self.unit in RATE_UNITS else '<='} {self.max_value:g} {self.unit}")
        return ", ".join(parts) or "reported"

    @property
    def met(self) -> bool | None:
        """True/False against the goal; None when there is no goal or the figure is missing."""
        if self.min_ratio is None and self.max_value is None:
            return None
        if self.platform is None:
            return False
        ok = True
        if self.min_ratio is not None:
            ok = ok and self.ratio is not None and self.ratio >= self.min_ratio
        if self.max_value is not None:
            if self.unit in RATE_UNITS:
                ok = ok and self.platform >= self.max_value
            else:
                ok = ok and self.platform <= self.max_value
        return ok

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(ratio=self.ratio, goal=self.goal, met=self.met)
        return data


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
    return str(value)


def table(results: list[Result]) -> str:
    """One plain-text table (also valid GitHub markdown)."""
    rows = [("measure", "platform", "baseline", "unit", "ratio", "goal", "met")]
    for r in results:
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        rows.append((r.name, _fmt(r.platform), _fmt(r.baseline), r.unit,
                     "-" if r.ratio is None else f"{r.ratio:.2f}x", r.goal, met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), "")
    except OSError:
        pass
    memory_gb = None
    try:
        with open("/proc/meminfo") as info:
            memory_gb = round(int(info.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": memory_gb,
            "python": host.python_version(), "system": host.platform()}


def write(results: list[Result], path: str, *, mode: str, store: str, started: str,
          seconds: float) -> dict:
    document = {"mode": mode, "store": store, "started": started, "seconds": round(seconds, 1),
                "machine": machine(), "results": [r.as_json() for r in results]}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        json.dump(document, out, indent=2, default=str)
        out.write("\n")
    return document
