"""The arithmetic of a region's stored project totals (pure: no store).

A project's *contribution* is what it adds to its region's summary: its stage, sector, cost, jobs,
investment and priority flag, money in whole tiyn so the sums are exact integers. *Totals* hold,
for ``total``, every stage and every sector, the bucket sums of the contributions folded so far.
A summary is the stored totals corrected by the projects written since they were folded:
``corrected(totals, [(current, included), ...])`` adds each project's current contribution and
takes away the one the totals include for it (None: the totals do not include it yet).
"""
from decimal import Decimal

from services.common.money import money as quantize_money
from services.investments.domain.reference import SECTORS, STAGES

BUCKET_FIELDS = ("count", "cost_kzt", "jobs_planned", "jobs_created", "invested_to_date_kzt",
                 "priority_count")
MONEY_FIELDS = ("cost_kzt", "invested_to_date_kzt")


def contribution(stored: dict) -> dict:
    """The contribution of a project in its stored form (money already in tiyn)."""
    return {"stage": stored["stage"], "sector": stored["sector"],
            "cost_kzt": int(stored.get("cost_kzt") or 0),
            "jobs_planned": int(stored.get("jobs_planned") or 0),
            "jobs_created": int(stored.get("jobs_created") or 0),
            "invested_to_date_kzt": int(stored.get("invested_to_date_kzt") or 0),
            "priority": bool(stored.get("priority"))}


def empty_totals() -> dict:
    return {"total": _bucket(), "by_stage": {s: _bucket() for s in STAGES},
            "by_sector": {s: _bucket() for s in SECTORS}}


def _bucket() -> dict:
    return dict.fromkeys(BUCKET_FIELDS, 0)


def _apply(bucket: dict, contrib: dict, sign: int) -> None:
    bucket["count"] += sign
    for field in ("cost_kzt", "jobs_planned", "jobs_created", "invested_to_date_kzt"):
        bucket[field] += sign * contrib[field]
    bucket["priority_count"] += sign if contrib["priority"] else 0


def add(totals: dict, contrib: dict | None, sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) one contribution, in place; None adds nothing."""
    if contrib is None:
        return
    _apply(totals["total"], contrib, sign)
    # a stage or sector outside today's lists (an older project) still counts in the total
    _apply(totals["by_stage"].setdefault(contrib["stage"], _bucket()), contrib, sign)
    _apply(totals["by_sector"].setdefault(contrib["sector"], _bucket()), contrib, sign)


def corrected(totals: dict, corrections) -> dict:
    """A copy of ``totals`` with every ``(current, included)`` pair of contributions applied."""
    result = {"total": dict(totals["total"]),
              "by_stage": {k: dict(v) for k, v in totals["by_stage"].items()},
              "by_sector": {k: dict(v) for k, v in totals["by_sector"].items()}}
    for current, included in corrections:
        add(result, current, 1)
        add(result, included, -1)
    return result


def as_summary(totals: dict) -> dict:
    """Totals in the shape of ``domain.region_summary`` (money as Decimal KZT)."""
    def bucket(raw: dict) -> dict:
        return {f: quantize_money(Decimal(raw[f]).scaleb(-2)) if f in MONEY_FIELDS else raw[f] for f in BUCKET_FIELDS}
    return {"total": bucket(totals["total"]),
            "by_stage": {s: bucket(totals["by_stage"].get(s) or _bucket()) for s in STAGES},
            "by_sector": {s: bucket(totals["by_sector"].get(s) or _bucket()) for s in SECTORS}}
