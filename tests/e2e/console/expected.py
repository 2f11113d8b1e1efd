"""What the console should show, computed from the API's own answers the way the page formats
them (format.js), so a test compares the page with the numbers read over HTTP."""
import json
import math
import os

from services.gateway.console.routes import STATIC_DIR

STAGES = ["proposed", "appraised", "approved", "financed", "under_implementation",
          "commissioned", "evaluated"]

with open(os.path.join(STATIC_DIR, "i18n", "en.json"), encoding="utf-8") as f:
    STRINGS = json.load(f)
with open(os.path.join(STATIC_DIR, "data", "regions.json"), encoding="utf-8") as f:
    LOCAL_NAMES = json.load(f)["names"]


def text(key: str, **params) -> str:
    value = STRINGS[key]
    for name, param in params.items():
        value = value.replace("{" + name + "}", str(param))
    return value


def billions(kzt) -> float | None:
    """format.js billions(): Math.round(n / 1e7) / 100 (bn KZT to two places)."""
    if kzt is None or kzt == "":
        return None
    return math.floor(float(kzt) / 1e7 + 0.5) / 100


def bn(kzt) -> str:
    value = billions(kzt)
    return STRINGS["common.none"] if value is None else f"{value:,.2f}"


def integer(value) -> str:
    return STRINGS["common.none"] if value is None else f"{int(value):,}"


def jobs(projects: dict) -> str:
    return f"{integer(projects['jobs_created'])} / {integer(projects['jobs_planned'])}"


def gap_class(gap) -> str:
    """charts.js gapClass(): how far behind a 2030 target, in percentage points."""
    if gap is None:
        return "gap-none"
    gap = float(gap)
    return "gap-0" if gap <= 0 else "gap-1" if gap <= 5 else "gap-2" if gap <= 15 else "gap-3"


def srs_gap(scorecard: dict, indicator: str):
    found = [x for x in scorecard["srs"]["targets_2030"] if x["indicator"] == indicator]
    return found[0].get("gap_pct") if found else None


def monthly_parts(months: list[dict]) -> dict:
    """view_region.js monthlyParts(): year-to-date indicators → each month's own amount."""
    out = {"own": [], "transfers": []}
    previous = {"own": 0.0, "transfers": 0.0}
    for month in months:
        now = {"own": float(month.get("own_revenue_kzt") or 0),
               "transfers": float(month.get("transfers_received_kzt") or 0)}
        for part in out:
            out[part].append(billions(now[part] - previous[part]))
        previous = now
    return out
