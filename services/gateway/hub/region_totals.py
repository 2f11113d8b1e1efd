"""A region's project totals, pure: the hub's project rows of one region folded into a few buckets,
and the scorecard's project figures computed from those buckets.

FerretDB 1.24 costs 1.4-3 ms per matching document, so a scorecard that adds up a region's 5,000
project rows takes seconds. The buckets are what every figure needs from the rows, summed per
(stage, stage suspended from, sector): count, priority count, cost, investment to date, jobs. A
bucket keeps the stage a suspended project came from because the committed total depends on it
(and on the settings, so the figures are computed from buckets at read time, never stored); the
sector is kept for a per-sector summary. Sums of money are exact ``Decimal`` sums of the same
per-row amounts, so the figures equal the row-by-row computation (tests/unit/gateway prove it).
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Iterable, Mapping

from services.common.money import ZERO, money
from services.gateway.hub.rules import DEFAULT_SETTINGS, PIPELINE_STAGES, HubSettings

ROW_FIELDS = {"region_code": 1, "stage": 1, "suspended_from": 1, "sector": 1, "priority": 1,
              "cost_kzt": 1, "invested_to_date_kzt": 1, "jobs_planned": 1, "jobs_created": 1}
MONEY_SUMS = ("cost_kzt", "invested_to_date_kzt")
COUNT_SUMS = ("count", "priority_count", "jobs_planned", "jobs_created")


def _money(value) -> Decimal:
    return ZERO if value is None else money(str(value))


def _bucket_key(row: Mapping) -> tuple:
    # suspended_from only matters for a suspended project: a stale value on another stage must not
    # split its bucket (project_figures reads it only when the stage is "suspended")
    suspended_from = row.get("suspended_from") if row["stage"] == "suspended" else None
    return row["stage"], suspended_from, row.get("sector")


def _row_bucket(row: Mapping) -> dict:
    stage, suspended_from, sector = _bucket_key(row)
    return {"stage": stage, "suspended_from": suspended_from, "sector": sector, "count": 1,
            "priority_count": 1 if row.get("priority") else 0,
            "jobs_planned": int(row.get("jobs_planned") or 0),
            "jobs_created": int(row.get("jobs_created") or 0),
            **{name: row.get(name) for name in MONEY_SUMS}}


def buckets_from_rows(rows: Iterable[Mapping]) -> list[dict]:
    """The region's rows folded into buckets (money as decimal strings, ready to store)."""
    return merge_buckets(_row_bucket(row) for row in rows)


def merge_buckets(*parts: Iterable[Mapping]) -> list[dict]:
    """Buckets of several sets of rows as one set: the buckets of all those rows together (a bulk
    loader folds its batches this way)."""
    sums: dict[tuple, dict] = {}
    for part in parts:
        for bucket in part:
            key = (bucket["stage"], bucket.get("suspended_from"), bucket.get("sector"))
            total = sums.setdefault(key, {**{name: 0 for name in COUNT_SUMS},
                                          **{name: ZERO for name in MONEY_SUMS}})
            for name in COUNT_SUMS:
                total[name] += int(bucket[name])
            for name in MONEY_SUMS:
                total[name] += _money(bucket[name])
    return [{"stage": stage, "suspended_from": suspended_from, "sector": sector,
             **{name: total[name] for name in COUNT_SUMS},
             **{name: str(total[name]) for name in MONEY_SUMS}}
            for (stage, suspended_from, sector), total in sorted(
                sums.items(), key=lambda item: tuple(part or "" for part in item[0]))]


# The stored form: one JSON text of rows under a header. FerretDB 1.24 converts every nested value
# of a document it returns; 20 regions' ~140 buckets as nested documents took 2.1-3.1 s to read
# here (load average 17), the same buckets as one JSON text 0.06-0.3 s, as this compact text
# 0.02-0.14 s (a third of the bytes).
STORED_COLUMNS = ("stage", "suspended_from", "sector", *COUNT_SUMS, *MONEY_SUMS)


def encode_buckets(buckets: Iterable[Mapping]) -> str:
    """Buckets as the stored text: ``[[columns...], [values...], ...]``."""
    rows = [list(STORED_COLUMNS)]
    rows += [[bucket.get(name) if name not in MONEY_SUMS else str(bucket[name])
              for name in STORED_COLUMNS] for bucket in buckets]
    return json.dumps(rows, separators=(",", ":"))


def decode_buckets(stored) -> list[dict]:
    """The stored buckets as dicts: the text of ``encode_buckets``, or the list of documents an
    earlier version stored (read as it is)."""
    if not isinstance(stored, str):
        return list(stored or ())
    header, *rows = json.loads(stored)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _is_committed(bucket: Mapping, config: HubSettings) -> bool:
    stage = bucket["stage"]
    if stage == "suspended":
        stage = bucket.get("suspended_from") or stage
    return stage in config.committed_stages


def figures_from_buckets(buckets: Iterable[Mapping],
                         config: HubSettings = DEFAULT_SETTINGS) -> dict:
    """The same answer as ``scorecards.project_figures`` over the rows the buckets were made of."""
    by_stage = {stage: 0 for stage in PIPELINE_STAGES}
    committed = commissioned = invested = ZERO
    jobs_planned = jobs_created = total = 0
    for bucket in buckets:
        count = int(bucket["count"])
        total += count
        by_stage[bucket["stage"]] = by_stage.get(bucket["stage"], 0) + count
        if bucket["stage"] == "cancelled":
            continue  # a cancelled project commits no money and plans no jobs any more
        cost = _money(bucket["cost_kzt"])
        if _is_committed(bucket, config):
            committed += cost
        if bucket["stage"] in config.commissioned_stages:
            commissioned += cost
        invested += _money(bucket["invested_to_date_kzt"])
        jobs_planned += int(bucket["jobs_planned"])
        jobs_created += int(bucket["jobs_created"])
    return {"total": total, "by_stage": by_stage,
            "investment_committed_kzt": committed, "investment_commissioned_kzt": commissioned,
            "invested_to_date_kzt": invested, "jobs_planned": jobs_planned,
            "jobs_created": jobs_created}


def _summary_bucket() -> dict:
    return {"count": 0, "cost_kzt": ZERO, "jobs_planned": 0, "jobs_created": 0,
            "invested_to_date_kzt": ZERO, "priority_count": 0}


def summary_from_buckets(buckets: Iterable[Mapping], stages: Iterable[str],
                         sectors: Iterable[str]) -> dict:
    """The investments service's region summary (counts, cost, jobs, investment and priority
    count in total, by stage and by sector, every stage and sector present) from the buckets:
    the same answer as its row-by-row ``domain.region_summary``."""
    summary = {"total": _summary_bucket(), "by_stage": {s: _summary_bucket() for s in stages},
               "by_sector": {s: _summary_bucket() for s in sectors}}
    for bucket in buckets:
        for target in (summary["total"], summary["by_stage"].setdefault(
                bucket["stage"], _summary_bucket()), summary["by_sector"].setdefault(
                bucket["sector"], _summary_bucket())):
            for name in COUNT_SUMS:
                target[name] += int(bucket[name])
            for name in MONEY_SUMS:
                target[name] += _money(bucket[name])
    return summary
