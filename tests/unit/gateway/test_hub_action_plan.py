"""The Concept Action Plan tracker, pure: measure input and changes, indicator paths, and the
two hub rules (overdue measure, off-track indicator) with their idempotent cause keys."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.gateway.hub import action_plan as ap
from services.gateway.hub.rules import AUTOMATIC_KINDS

AT = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)


def measure_body(**changes):
    body = {"measure_id": "M-1", "title": "Industrial zone in Temirtau", "direction":
            "economic_potential", "level": "local", "responsible_body": "Akimat of Karaganda "
            "region", "region_code": "KZ-35", "deadline": "2026-03-31",
            "completion_form": "akimat_resolution", "reference": "letter 12-3/45"}
    body.update(changes)
    return ap.MeasureInSchema().load(body)


def test_a_local_measure_names_its_region_and_a_central_one_none():
    with pytest.raises(ValidationError) as local:
        measure_body(region_code=None)
    assert "region_code" in local.value.messages
    with pytest.raises(ValidationError) as central:
        measure_body(level="central")
    assert "region_code" in central.value.messages
    assert measure_body(level="central", region_code=None)["status"] == ap.PLANNED


def test_a_measure_is_done_only_on_evidence():
    with pytest.raises(ValidationError) as exc:
        ap.MeasureChangeSchema().load({"status": "done", "comment": "finished"})
    assert "evidence" in exc.value.messages


def test_a_change_keeps_who_added_which_evidence_and_the_history():
    measure = ap.new_measure(measure_body(), source=ap.manual_source("officer-1", AT, "x"))
    change = ap.MeasureChangeSchema().load({"status": "done", "comment": "adopted",
                                            "evidence": [{"reference": "resolution No. 7"}]})
    done = ap.change_measure(measure, change, by="officer-2", at=AT)
    assert done["status"] == "done" and measure["status"] == "planned"
    assert done["evidence"][0] == {"reference": "resolution No. 7", "url": None, "note": "",
                                   "added_by": "officer-2", "added_at": AT}
    assert done["history"][-1]["from"] == "planned" and done["history"][-1]["by"] == "officer-2"


def test_an_open_measure_past_its_deadline_opens_one_initiative():
    measure = ap.new_measure(measure_body(), source={})
    assert not ap.overdue_measure_proposals([measure], date(2026, 3, 31))
    [made] = ap.overdue_measure_proposals([measure], date(2026, 4, 10))
    assert made.kind == "action_plan_measure_overdue" and made.kind in AUTOMATIC_KINDS
    assert made.cause_key == "action_plan_measure_overdue:M-1:2026-03-31"
    assert made.region_code == "KZ-35" and made.responsible_body == "Akimat of Karaganda region"
    assert made.due_date == date(2026, 5, 10)
    assert "10 days" in made.title
    # a later check proposes the same cause: the repository opens it once
    assert ap.overdue_measure_proposals([measure], date(2026, 5, 1))[0].cause_key == made.cause_key


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_a_closed_measure_is_never_overdue(status):
    measure = {**ap.new_measure(measure_body(), source={}), "status": status}
    assert not ap.overdue_measure_proposals([measure], date(2027, 1, 1))


def test_a_central_measure_is_national():
    measure = ap.new_measure(measure_body(level="central", region_code=None), source={})
    assert ap.overdue_measure_proposals([measure], date(2026, 4, 2))[0].region_code == "national"


def indicator(direction="increase", actuals=None):
    body = ap.IndicatorInSchema().load({
        "indicator_id": "srs", "name": "SRS provision", "unit": "%", "direction": direction,
        "baseline_year": 2025, "baseline": "64", "targets": {"2028": "70", "2030": "80"},
        "reference": "Concept"})
    ind = ap.new_indicator(body, source={})
    for year, value in (actuals or {}).items():
        ind["actuals"][str(year)] = {"value": Decimal(value), "source": {"kind": "manual"}}
    return ind


@pytest.mark.parametrize("year,expected", [(2025, "64"), (2026, "66"), (2027, "68"),
                                           (2028, "70"), (2029, "75"), (2030, "80"),
                                           (2031, None), (2024, None)])
def test_the_expected_value_is_the_line_between_known_points(year, expected):
    got = ap.expected_value(indicator(), year)
    assert got == (None if expected is None else Decimal(expected))


def test_target_years_come_after_the_baseline():
    with pytest.raises(ValidationError) as exc:
        ap.IndicatorInSchema().load({"indicator_id": "x", "name": "xyz", "unit": "%",
                                     "direction": "increase", "baseline_year": 2026,
                                     "baseline": "1", "targets": {"2025": "2"},
                                     "reference": "r"})
    assert "targets" in exc.value.messages


def test_an_actual_below_its_path_opens_an_initiative_per_year():
    ind = indicator(actuals={2026: "65.5", 2027: "68.0"})
    view = ap.indicator_view(ind)
    assert [(y["year"], y["off_track"]) for y in view["years"]] == [(2026, True), (2027, False)]
    [made] = ap.off_track_indicator_proposals([ind], date(2027, 2, 1))
    assert made.cause_key == "action_plan_indicator_off_track:srs:national:2026"
    assert made.subject == {"indicator_id": "srs", "year": 2026, "actual": "65.5",
                            "expected": "66.0000"}
    assert made.responsible_body == "Ministry of National Economy"


def test_a_falling_indicator_is_off_track_when_above_its_path():
    ind = indicator("decrease", actuals={2026: "67"})  # expected 66: above is worse
    assert ap.indicator_view(ind)["years"][0]["off_track"] is True


def test_tolerance_spares_a_small_shortfall():
    lenient = ap.ActionPlanSettings(off_track_tolerance=Decimal("0.01"))
    assert ap.judge_actual(indicator(), 2026, Decimal("65.5"), lenient)["off_track"] is False


def test_the_demo_seed_is_marked_and_valid():
    measures, indicators, data = ap.demo_seed()
    assert data["demo"] is True and "DEMO" in data["note"]
    assert len(measures) >= 3 and len(indicators) >= 1
    assert all(" https://" in m["reference"] for m in measures)
    assert {m["level"] for m in measures} == {"central", "local"}


def test_tracker_assumptions_are_named():
    keys = {a["key"] for a in ap.tracker_assumptions()}
    assert keys == {"action_plan_due_days", "indicator_expected_path",
                    "indicator_off_track_tolerance"}


def test_every_demo_entry_says_how_far_it_is_from_the_annex_and_names_its_address():
    from services.gateway.hub.action_plan import demo_seed
    measures, indicators, data = demo_seed()
    assert data["demo"] is True and "not found" in data["note"]
    for entry in measures:
        assert entry["reference"].startswith("PARAPHRASED from a news report, not the Action "
                                             "Plan annex"), entry["measure_id"]
        assert "https://" in entry["reference"]
    for entry in indicators:
        assert entry["reference"].startswith("QUOTED from an official's statement")
    assert set(data["source_notes"]) == set(data["sources"])
