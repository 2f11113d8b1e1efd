"""The 1 April report, pure: its workflow (drafted -> submitted -> acknowledged, who and when,
a submitted report frozen), the sections' figures and sources, and the fiscal OFDP package."""
import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import RuleViolation
from services.gateway.hub import concept_report as cr
from services.gateway.hub.territories import agglomeration_scorecard, anchor_projects, mono_town_scorecard

NOW = datetime(2026, 3, 20, 6, tzinfo=timezone.utc)


def projects():
    return [
        {"project_id": "p1", "title": "Cement", "sector": "manufacturing", "stage": "approved",
         "cost_kzt": Decimal("300"), "jobs_planned": 30, "jobs_created": 0,
         "agglomeration": "karaganda", "district": "Temirtau", "srs_gaps": []},
        {"project_id": "p2", "title": "Hotel", "sector": "tourism", "stage": "commissioned",
         "cost_kzt": Decimal("100"), "jobs_planned": 10, "jobs_created": 12,
         "agglomeration": None, "district": "Other",
         "srs_gaps": [{"kato": "352410100", "standard": "health"}]},
        {"project_id": "p3", "title": "Gone", "sector": "mining", "stage": "cancelled",
         "cost_kzt": Decimal("900"), "jobs_planned": 5, "jobs_created": 0,
         "agglomeration": "karaganda", "district": "Temirtau", "srs_gaps": []},
    ]


def test_sectors_leave_cancelled_projects_out_and_measure_diversification():
    out = cr.sector_breakdown(projects())
    assert set(out["by_sector"]) == {"manufacturing", "tourism"}
    assert out["by_sector"]["manufacturing"]["cost_kzt"] == "300"
    # shares 0.75 and 0.25: 1 - (0.5625 + 0.0625)
    assert out["diversification_index"] == "0.3750"
    assert cr.sector_breakdown([])["diversification_index"] is None


def content():
    return {"institutions": {
        "fiscal": {"own_revenue_kzt": "250.00", "transfers_received_kzt": "750.00",
                   "total_revenue_kzt": "1000.00", "as_of_period": "Y", "population": "1000",
                   "population_quality": "estimated",
                   "source": {"kind": "event", "event_id": "ev-1"}},
        "block_budget": {"available": True, "blocks": [{"block_id": "b1", "spending_body":
                                                         "Health department", "lines": [
            {"line_id": "l1", "name": "Clinics", "allocated_kzt": "80.00",
             "executed_kzt": "60.00"}]}]}}}


def test_workflow_keeps_who_and_when_and_freezes_a_submitted_report():
    draft = cr.new_draft("KZ-35", 2025, content(), by="officer", now=NOW)
    assert (draft["status"], draft["revision"], draft["submitted_at"]) == ("drafted", 1, None)
    again = cr.new_draft("KZ-35", 2025, content(), by="officer-2", now=NOW, previous=draft)
    assert again["revision"] == 2 and len(again["history"]) == 2
    with pytest.raises(RuleViolation) as early:
        cr.advance(again, cr.ACKNOWLEDGED, by="ministry", now=NOW)
    assert early.value.details["rule"] == "report_transition"
    sent = cr.advance(again, cr.SUBMITTED, by="officer", now=NOW, submitted_on=date(2026, 4, 1))
    assert (sent["submitted_by"], sent["submitted_at"], sent["submitted_on_time"]) == (
        "officer", NOW, True)
    late = cr.advance(again, cr.SUBMITTED, by="officer", now=NOW, submitted_on=date(2026, 4, 2))
    assert late["submitted_on_time"] is False
    with pytest.raises(RuleViolation) as frozen:
        cr.new_draft("KZ-35", 2025, content(), by="officer", now=NOW, previous=sent)
    assert frozen.value.details["rule"] == "report_frozen"
    done = cr.advance(sent, cr.ACKNOWLEDGED, by="ministry", now=NOW, comment="received")
    assert done["acknowledged_by"] == "ministry" and done["history"][-1]["comment"] == "received"
    with pytest.raises(RuleViolation):
        cr.advance(done, cr.SUBMITTED, by="x", now=NOW)


def test_the_fiscal_part_is_an_open_fiscal_data_package():
    report = cr.new_draft("KZ-35", 2025, content(), by="officer", now=NOW)
    package = cr.ofdp_package(report)
    descriptor = package["datapackage.json"]
    assert descriptor["profile"] == "fiscal-data-package"
    assert {r["path"] for r in descriptor["resources"]} == set(package) - {"datapackage.json"}
    measures = descriptor["model"]["measures"]
    assert all(m["currency"] == "KZT" for m in measures.values())
    [fiscal] = list(csv.DictReader(io.StringIO(package[cr.FISCAL_RESOURCE])))
    assert (fiscal["own_revenue_kzt"], fiscal["population_quality"], fiscal["source"]) == (
        "250.00", "estimated", "event ev-1")
    [line] = list(csv.DictReader(io.StringIO(package[cr.BLOCK_RESOURCE])))
    assert (line["allocated_kzt"], line["executed_kzt"]) == ("80.00", "60.00")
    for resource in descriptor["resources"]:
        header = package[resource["path"]].splitlines()[0].split(",")
        assert header == [f["name"] for f in resource["schema"]["fields"]]


def test_block_budget_unavailable_is_said_not_hidden():
    out = cr.block_budget_summary(None, "budgets unavailable: Timeout", NOW)
    assert out == {"available": False, "reason": "budgets unavailable: Timeout",
                   "source": {"kind": "rpc", "call": "budgets.list_blocks",
                              "at": NOW.isoformat()}}


def test_fiscal_section_carries_the_estimated_flag_and_the_trajectory():
    indicators = [{"fiscal_year": 2026, "transfer_dependency": Decimal("0.6"),
                   "own_revenue_share": Decimal("0.4"), "population_quality": "estimated",
                   "event_id": "ev-9"}]
    out = cr.fiscal_section(indicators, 2026, {"available": False}, {}, None)
    assert out["fiscal"]["population_estimated"] is True
    assert out["fiscal"]["source"]["event_id"] == "ev-9"
    assert out["trajectory"]["off_track"] is True
    assert out["trajectory"]["expected_dependency"] == Decimal("0.507")
    assert cr.fiscal_section([], 2026, {}, {}, None)["fiscal"] is None


def town():
    return {"kato": "352410100", "name_ru": "Temirtau", "region_code": "KZ-35",
            "urban_population": 180000, "rural_population": 0, "flags": ["mono_town"],
            "population_year": 2025, "source": {"kind": "import", "file_name": "kato.csv"}}


def test_anchor_projects_are_named_by_kato_or_district():
    anchors = anchor_projects(town(), projects())
    assert [(a["project_id"], a["linked_by"]) for a in anchors] == [("p1", "district"),
                                                                    ("p2", "srs_gaps")]


def test_mono_town_scorecard_without_a_recorded_access_lists_the_growth_centres():
    card = mono_town_scorecard(town(), projects(), [{"kato": "351010000", "name_ru": "Karaganda"}],
                               None, {"coverage": {"transport": Decimal("55.0")}})
    assert card["population"] == 180000 and len(card["anchor_projects"]) == 2
    assert card["transport_access"]["recorded"] is False
    assert card["transport_access"]["growth_centres_in_region"][0]["kato"] == "351010000"
    assert card["srs_transport_coverage_pct"] == Decimal("55.0")
    assert card["diversification"]["sectors"] == 2


def test_agglomeration_scorecard_covers_its_members_and_projects():
    units = [{**town(), "agglomeration": "karaganda"}, {**town(), "kato": "1",
                                                          "agglomeration": None}]
    card = agglomeration_scorecard("karaganda", projects(), units)
    assert card["projects"]["projects"] == 1            # the cancelled one left out
    assert card["register"] == {"units": 1, "population": 180000,
                                "source": card["register"]["source"]}
    assert card["members"] and all(m["source"] for m in card["members"])
