"""Query normalisation, cursors and the region summary aggregate."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import ValidationFailed
from services.investments.application.demo_data import advance, example_project
from services.investments.domain import (
    SECTORS,
    SORT_FIELDS,
    STAGES,
    decode_cursor,
    encode_cursor,
    normalise_query,
    region_summary,
    register_project,
)
from services.investments.domain.settings import InvestmentSettings


def test_defaults():
    assert normalise_query({}) == {"filters": {}, "sort": [("created_at", -1), ("id", -1)],
                                   "page_size": 50, "cursor": None}
    assert normalise_query(None)["page_size"] == 50


def test_all_filters_normalised():
    query = normalise_query({
        "region_code": "KZ-75,KZ-71, KZ-75", "agglomeration": ["almaty"],
        "sector": "tourism", "stage": ["financed", "proposed"], "project_type": "expansion",
        "priority": "true", "min_cost_kzt": "1000", "max_cost_kzt": Decimal("2000.50"),
        "text": "  dairy  ", "sort": "-cost_kzt,title", "page_size": "20", "cursor": "abc_-=",
    })
    assert query == {
        "filters": {"region_code": ["KZ-71", "KZ-75"], "agglomeration": ["almaty"],
                    "sector": ["tourism"], "stage": ["financed", "proposed"],
                    "project_type": ["expansion"], "priority": True,
                    "min_cost_kzt": Decimal("1000.00"), "max_cost_kzt": Decimal("2000.50"),
                    "text": "dairy"},
        "sort": [("cost_kzt", -1), ("title", 1), ("id", 1)],
        "page_size": 20, "cursor": "abc_-=",
    }


@pytest.mark.parametrize("raw,expected", [(True, True), (False, False), ("false", False),
                                          ("1", True), ("0", False), ("YES", True)])
def test_priority_flag(raw, expected):
    assert normalise_query({"priority": raw})["filters"]["priority"] is expected


@pytest.mark.parametrize("size,expected", [(1, 1), (200, 200), (201, 200), (10_000, 200),
                                           ("75", 75)])
def test_page_size_is_capped(size, expected):
    assert normalise_query({"page_size": size})["page_size"] == expected


def test_page_size_cap_and_default_come_from_config():
    config = InvestmentSettings(default_page_size=10, max_page_size=25)
    assert normalise_query({}, config)["page_size"] == 10
    assert normalise_query({"page_size": 26}, config)["page_size"] == 25


@pytest.mark.parametrize("sort,expected", [
    ("title", [("title", 1), ("id", 1)]),
    ("+title", [("title", 1), ("id", 1)]),
    ("-id", [("id", -1)]),
    (["-stage_entered_at", "region_code"], [("stage_entered_at", -1), ("region_code", 1),
                                            ("id", 1)]),
])
def test_sort(sort, expected):
    assert normalise_query({"sort": sort})["sort"] == expected


@pytest.mark.parametrize("field", SORT_FIELDS)
def test_every_whitelisted_sort_field(field):
    assert normalise_query({"sort": f"-{field}"})["sort"][0] == (field, -1)


BAD = [
    ({"region_code": "KZ-99"}, "region_code"),
    ({"region_code": ""}, "region_code"),
    ({"region_code": []}, "region_code"),
    ({"region_code": [71]}, "region_code"),
    ({"agglomeration": "semey"}, "agglomeration"),
    ({"sector": "banking"}, "sector"),
    ({"stage": "done"}, "stage"),
    ({"project_type": "greenfield"}, "project_type"),
    ({"priority": "maybe"}, "priority"),
    ({"priority": 1}, "priority"),
    ({"min_cost_kzt": "-1"}, "min_cost_kzt"),
    ({"max_cost_kzt": "lots"}, "max_cost_kzt"),
    ({"min_cost_kzt": 10.5}, "min_cost_kzt"),
    ({"min_cost_kzt": "10", "max_cost_kzt": "9.99"}, "min_cost_kzt"),
    ({"text": 5}, "text"),
    ({"text": "x" * 201}, "text"),
    ({"sort": "investor.bin"}, "sort"),
    ({"sort": "$where"}, "sort"),
    ({"sort": "title,-title"}, "sort"),
    ({"sort": ""}, "sort"),
    ({"sort": 5}, "sort"),
    ({"page_size": 0}, "page_size"),
    ({"page_size": -5}, "page_size"),
    ({"page_size": "ten"}, "page_size"),
    ({"page_size": True}, "page_size"),
    ({"cursor": 5}, "cursor"),
    ({"cursor": "not a cursor!"}, "cursor"),
    ({"cursor": "a" * 1025}, "cursor"),
    ({"$where": "1"}, "$where"),
    ({"region": "KZ-71"}, "region"),
]


@pytest.mark.parametrize("query,field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_parameters_are_named(query, field):
    with pytest.raises(ValidationFailed) as caught:
        normalise_query(query)
    assert field in caught.value.details


def test_every_bad_parameter_at_once():
    with pytest.raises(ValidationFailed) as caught:
        normalise_query({"region_code": "KZ-00", "sector": "x", "page_size": 0, "sort": "bin"})
    assert set(caught.value.details) == {"region_code", "sector", "page_size", "sort"}


def test_none_values_and_blank_text_mean_no_filter():
    query = normalise_query({"region_code": None, "text": "   ", "cursor": ""})
    assert query["filters"] == {} and query["cursor"] is None


def test_non_dict_query():
    with pytest.raises(ValidationFailed):
        normalise_query(["KZ-71"])


def test_cursor_round_trip_and_malformed():
    position = {"cost_kzt": "1500.00", "id": "p-9"}
    cursor = encode_cursor(position)
    assert normalise_query({"cursor": cursor})["cursor"] == cursor
    assert decode_cursor(cursor) == position
    for bad in ("%%%", "bm90IGpzb24", encode_cursor([1, 2])):  # not base64, not JSON, a list
        with pytest.raises(ValidationFailed) as caught:
            decode_cursor(bad)
        assert caught.value.details == {"cursor": ["malformed cursor"]}


# ---- region summary ------------------------------------------------------------------------------

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)


def make(i, stage, **overrides):
    project, _ = register_project(example_project(external_ref=f"R-{i}", **overrides),
                                  project_id=f"p-{i}", now=NOW, by="u")
    project, _ = advance(project, stage, now=NOW, by="u")
    return project


def test_region_summary():
    projects = [
        make(1, "proposed"),
        make(2, "commissioned", sector="tourism",
             total_cost={"amount": "100.00", "currency": "KZT"}, financing_sources=[],
             jobs_planned=10),
        make(3, "cancelled", total_cost={"amount": "200.50", "currency": "KZT"},
             financing_sources=[], jobs_planned=5),
    ]
    summary = region_summary(projects)
    jobs_created = projects[1]["jobs_created"] + projects[2]["jobs_created"]
    invested = projects[1]["invested_to_date_kzt"] + projects[2]["invested_to_date_kzt"]
    assert summary["total"] == {"count": 3, "cost_kzt": Decimal("12500000300.50"),
                                "jobs_planned": 265, "jobs_created": jobs_created,
                                "invested_to_date_kzt": invested, "priority_count": 1}
    assert set(summary["by_stage"]) == set(STAGES)
    assert set(summary["by_sector"]) == set(SECTORS)
    assert summary["by_stage"]["proposed"]["cost_kzt"] == Decimal("12500000000.00")
    assert summary["by_stage"]["commissioned"] == {
        "count": 1, "cost_kzt": Decimal("100.00"), "jobs_planned": 10,
        "jobs_created": projects[1]["jobs_created"],
        "invested_to_date_kzt": projects[1]["invested_to_date_kzt"], "priority_count": 0}
    assert summary["by_stage"]["cancelled"]["count"] == 1
    assert summary["by_stage"]["financed"]["count"] == 0
    assert summary["by_stage"]["financed"]["cost_kzt"] == Decimal("0.00")
    assert summary["by_sector"]["agro_processing"]["count"] == 2
    assert summary["by_sector"]["agro_processing"]["cost_kzt"] == Decimal("12500000200.50")
    assert summary["by_sector"]["tourism"]["jobs_planned"] == 10
    for bucket in (summary["by_stage"], summary["by_sector"]):
        assert sum(b["count"] for b in bucket.values()) == 3
        assert sum(b["cost_kzt"] for b in bucket.values()) == summary["total"]["cost_kzt"]


def test_region_summary_of_nothing_and_of_a_generator():
    empty = region_summary([])
    assert empty["total"]["count"] == 0 and empty["total"]["cost_kzt"] == Decimal("0.00")
    one = region_summary(p for p in [make(1, "financed")])
    assert one["by_stage"]["financed"]["count"] == 1
