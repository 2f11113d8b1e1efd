"""The Concept's Action Plan, pure: measures (who, by when, in what form, how far, on what
evidence) and target indicators (baseline, target and actual by year and region), and the two hub
rules over them: an overdue measure and an off-track indicator each open one initiative.

No nameko, no pymongo (``action_plan_repository`` stores these documents). Every figure keeps its
``source``: a manual entry (who, when, on what document), an import (file) or an event.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.regions import REGION_CODES
from services.gateway.hub.rules import INDICATOR_OFF_TRACK, MEASURE_OVERDUE, InitiativeProposal, region_name
from services.gateway.hub.settings import DEFAULT_ACTION_PLAN_SETTINGS, ActionPlanSettings

CENTRAL, LOCAL = "central", "local"
LEVELS = (CENTRAL, LOCAL)
PLANNED, IN_PROGRESS, DONE, CANCELLED = "planned", "in_progress", "done", "cancelled"
MEASURE_STATUSES = (PLANNED, IN_PROGRESS, DONE, CANCELLED)
CLOSED = (DONE, CANCELLED)
# how a measure is completed, as the Action Plan's "form of completion" column names it
COMPLETION_FORMS = ("information_to_government", "information_to_ministry", "decree",
                    "government_resolution", "order", "law", "akimat_resolution",
                    "maslikhat_decision", "report")
INCREASE, DECREASE = "increase", "decrease"

NATIONAL = "national"  # the region of an initiative about a central body's measure
MAX_EVIDENCE = 50
PLACES = Decimal("0.0001")


def tracker_assumptions(config: ActionPlanSettings = DEFAULT_ACTION_PLAN_SETTINGS) -> list[dict]:
    return [
        {"key": "action_plan_due_days", "value": dict(config.due_days), "unit": "days",
         "rationale": "A month to complete or re-plan an overdue measure, two months to explain "
                      "an indicator off its path (one reporting quarter).",
         "applied_in": "Action Plan initiatives",
         "source": "platform assumption (no legal act fixes this value)"},
        {"key": "indicator_expected_path", "value": "linear from baseline to the next target",
         "unit": "rule",
         "rationale": "The Action Plan names targets for some years only; between them the "
                      "expected value is the straight line, so a year without a target is still "
                      "judged.", "applied_in": "off-track indicators",
         "source": "platform assumption (no legal act fixes this value)"},
        {"key": "indicator_off_track_tolerance", "value": str(config.off_track_tolerance),
         "unit": "share of the expected value",
         "rationale": "Zero: any shortfall against the expected value is reported.",
         "applied_in": "off-track indicators",
         "source": "platform assumption (no legal act fixes this value)"},
    ]


# --- input --------------------------------------------------------------------------------------

class SourceInSchema(Schema):
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=300), metadata={
        "description": "the document the entry rests on (letter, protocol, order number)"})


class EvidenceInSchema(Schema):
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    url = fields.Url(load_default=None, allow_none=True)
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class MeasureInSchema(Schema):
    measure_id = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9.\-]{1,40}$"))
    title = fields.Str(required=True, validate=validate.Length(min=3, max=500))
    direction = fields.Str(required=True, validate=validate.OneOf(
        ("infrastructure_srs", "economic_potential", "institutions")))
    level = fields.Str(required=True, validate=validate.OneOf(LEVELS))
    responsible_body = fields.Str(required=True, validate=validate.Length(min=2, max=300))
    region_code = fields.Str(load_default=None, allow_none=True,
                             validate=validate.OneOf(REGION_CODES))
    deadline = fields.Date(required=True)
    completion_form = fields.Str(required=True, validate=validate.OneOf(COMPLETION_FORMS))
    status = fields.Str(load_default=PLANNED, validate=validate.OneOf(MEASURE_STATUSES))
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=300))

    @validates_schema
    def _region_follows_level(self, data, **_):
        if data["level"] == LOCAL and not data.get("region_code"):
            raise ValidationError("a local body's measure names its region", "region_code")
        if data["level"] == CENTRAL and data.get("region_code"):
            raise ValidationError("a central body's measure has no region", "region_code")


class MeasureChangeSchema(Schema):
    status = fields.Str(required=True, validate=validate.OneOf(MEASURE_STATUSES))
    comment = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    evidence = fields.List(fields.Nested(EvidenceInSchema), load_default=list,
                           validate=validate.Length(max=MAX_EVIDENCE))

    @validates_schema
    def _done_needs_evidence(self, data, **_):
        if data["status"] == DONE and not data["evidence"]:
            raise ValidationError("a measure is done on evidence: name the document", "evidence")


class IndicatorInSchema(Schema):
    indicator_id = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9.\-_]{1,40}$"))
    name = fields.Str(required=True, validate=validate.Length(min=3, max=300))
    unit = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    region_code = fields.Str(load_default=None, allow_none=True,
                             validate=validate.OneOf(REGION_CODES))
    direction = fields.Str(required=True, validate=validate.OneOf((INCREASE, DECREASE)))
    baseline_year = fields.Int(required=True, validate=validate.Range(min=2015, max=2035))
    baseline = fields.Decimal(required=True, allow_nan=False, as_string=True)
    targets = fields.Dict(keys=fields.Str(validate=validate.Regexp(r"^20\d\d$")),
                          values=fields.Decimal(allow_nan=False, as_string=True), required=True,
                          validate=validate.Length(min=1, max=20))
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=300))

    @validates_schema
    def _targets_after_baseline(self, data, **_):
        if any(int(year) <= data["baseline_year"] for year in data["targets"]):
            raise ValidationError("every target year comes after the baseline year", "targets")


class ActualInSchema(Schema):
    value = fields.Decimal(required=True, allow_nan=False, as_string=True)
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=300))


# --- documents ----------------------------------------------------------------------------------

def manual_source(by: str, at, reference: str) -> dict:
    return {"kind": "manual", "by": by, "at": at, "reference": reference, "file_name": None}


def new_measure(body: Mapping, *, source: Mapping, demo: bool = False) -> dict:
    return {**{k: body[k] for k in ("measure_id", "title", "direction", "level",
                                    "responsible_body", "region_code", "deadline",
                                    "completion_form", "status")},
            "evidence": [], "history": [], "source": dict(source), "demo": demo}


def change_measure(measure: Mapping, change: Mapping, *, by: str, at) -> dict:
    """The measure after a status change with its evidence (each piece: who added it, when)."""
    changed = dict(measure)
    evidence = [{**e, "added_by": by, "added_at": at} for e in change.get("evidence", [])]
    changed["evidence"] = [*measure.get("evidence", []), *evidence]
    changed["status"] = change["status"]
    changed["history"] = [*measure.get("history", []),
                          {"at": at, "by": by, "from": measure["status"], "to": change["status"],
                           "comment": change["comment"], "evidence_added": len(evidence)}]
    return changed


def new_indicator(body: Mapping, *, source: Mapping, demo: bool = False) -> dict:
    return {"indicator_id": body["indicator_id"], "name": body["name"], "unit": body["unit"],
            "region_code": body.get("region_code"), "direction": body["direction"],
            "baseline_year": body["baseline_year"], "baseline": Decimal(str(body["baseline"])),
            "targets": {str(y): Decimal(str(v)) for y, v in body["targets"].items()},
            "actuals": {}, "source": dict(source), "demo": demo}


def indicator_key(indicator_id: str, region_code: str | None) -> str:
    return f"{indicator_id}|{region_code or NATIONAL}"


def expected_value(indicator: Mapping, year: int) -> Decimal | None:
    """The target of ``year``, or the straight line from the last known point (baseline or an
    earlier target) to the next target; None before the baseline or after the last target."""
    points = sorted([(indicator["baseline_year"], Decimal(str(indicator["baseline"])))]
                    + [(int(y), Decimal(str(v))) for y, v in indicator["targets"].items()])
    for (y0, v0), (y1, v1) in zip(points, points[1:], strict=False):
        if y0 <= year <= y1:
            value = v0 + (v1 - v0) * Decimal(year - y0) / Decimal(y1 - y0)
            return value.quantize(PLACES, rounding=ROUND_HALF_UP)
    return None


def judge_actual(indicator: Mapping, year: int, actual: Decimal,
                 config: ActionPlanSettings = DEFAULT_ACTION_PLAN_SETTINGS) -> dict:
    expected = expected_value(indicator, year)
    if expected is None:
        return {"expected": None, "off_track": None}
    slack = abs(expected) * config.off_track_tolerance
    if indicator["direction"] == INCREASE:
        off = actual < expected - slack
    else:
        off = actual > expected + slack
    return {"expected": expected, "off_track": off}


def indicator_view(indicator: Mapping, config: ActionPlanSettings = DEFAULT_ACTION_PLAN_SETTINGS
                   ) -> dict:
    """The indicator with every actual judged against its expected value."""
    years = []
    for year, actual in sorted(indicator.get("actuals", {}).items()):
        verdict = judge_actual(indicator, int(year), Decimal(str(actual["value"])), config)
        years.append({"year": int(year), "actual": Decimal(str(actual["value"])),
                      "source": actual["source"], **verdict})
    return {**indicator, "years": years}


# --- rules --------------------------------------------------------------------------------------

def _due(kind: str, start: date, config: ActionPlanSettings) -> date:
    return start + timedelta(days=config.due_days[kind])


def overdue_measure_proposals(measures: Iterable[Mapping], today: date,
                              config: ActionPlanSettings = DEFAULT_ACTION_PLAN_SETTINGS
                              ) -> list[InitiativeProposal]:
    """A measure still open after its deadline (by the civil day); the cause is the measure and
    the deadline it missed, so a re-planned deadline that is missed again is a new cause."""
    proposals = []
    for m in measures:
        if m["status"] in CLOSED or m["deadline"] >= today:
            continue
        region = m.get("region_code") or NATIONAL
        late = (today - m["deadline"]).days
        proposals.append(InitiativeProposal(
            kind=MEASURE_OVERDUE,
            cause_key=f"{MEASURE_OVERDUE}:{m['measure_id']}:{m['deadline'].isoformat()}",
            region_code=region,
            title=(f"Action Plan measure {m['measure_id']} is {late} days past its deadline "
                   f"{m['deadline'].isoformat()}"),
            description=(f"{m['title']} ({m['completion_form']}); status {m['status']}. Complete "
                         "it with evidence or re-plan the deadline."),
            responsible_body=m["responsible_body"],
            due_date=_due(MEASURE_OVERDUE, today, config),
            subject={"measure_id": m["measure_id"], "deadline": m["deadline"].isoformat(),
                     "level": m["level"], "status": m["status"]}))
    return proposals


def off_track_indicator_proposals(indicators: Iterable[Mapping], today: date,
                                  config: ActionPlanSettings = DEFAULT_ACTION_PLAN_SETTINGS
                                  ) -> list[InitiativeProposal]:
    """One initiative per indicator, region and year whose actual misses the expected value."""
    proposals = []
    for ind in indicators:
        region = ind.get("region_code") or NATIONAL
        for year in indicator_view(ind, config)["years"]:
            if not year["off_track"]:
                continue
            where = region_name(region) if region != NATIONAL else "the country"
            proposals.append(InitiativeProposal(
                kind=INDICATOR_OFF_TRACK,
                cause_key=f"{INDICATOR_OFF_TRACK}:{ind['indicator_id']}:{region}:{year['year']}",
                region_code=region,
                title=(f"{ind['name']} in {where}: {year['actual']} {ind['unit']} in "
                       f"{year['year']}, expected {year['expected']}"),
                description=("The indicator is off its path from the baseline "
                             f"{ind['baseline']} ({ind['baseline_year']}) to its targets."),
                responsible_body=(f"Akimat of {region_name(region)}: economy and budget planning "
                                  "department" if region != NATIONAL
                                  else "Ministry of National Economy"),
                due_date=_due(INDICATOR_OFF_TRACK, today, config),
                subject={"indicator_id": ind["indicator_id"], "year": year["year"],
                         "actual": str(year["actual"]), "expected": str(year["expected"])}))
    return proposals


# --- demo seed ----------------------------------------------------------------------------------

DEMO_FILE = "action_plan_demo.json"


def demo_seed() -> tuple[list[dict], list[dict], dict]:
    """The shipped demo measures and indicators, validated like a manual entry; every entry is
    marked ``demo`` and its source names the file and the public page it paraphrases."""
    import json
    from pathlib import Path
    data = json.loads((Path(__file__).parent / "data" / DEMO_FILE).read_text(encoding="utf-8"))
    if data.get("demo") is not True:
        raise ValueError(f"{DEMO_FILE} must be marked demo")

    def sourced(entry: Mapping) -> dict:
        # each entry says how far it is from the annex (paraphrased, quoted) beside its address
        body = {k: v for k, v in entry.items() if k != "provenance"}
        body["reference"] = (f"{data['provenance'][entry['provenance']]} "
                             f"{data['sources'][entry['reference']]}")
        return body
    return ([MeasureInSchema().load(sourced(m)) for m in data["measures"]],
            [IndicatorInSchema().load(sourced(i)) for i in data["indicators"]], data)


def demo_source(by: str, at, reference: str) -> dict:
    return {"kind": "import", "by": by, "at": at, "reference": reference, "file_name": DEMO_FILE}
