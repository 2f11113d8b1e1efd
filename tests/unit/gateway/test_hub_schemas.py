"""Input schemas of the hub and administration routes: what they accept and what they refuse."""
from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from services.common.errors import ValidationFailed
from services.common.loading import load, load_query
from services.gateway.edge.schemas import ApiKeyCreateSchema, AuditQuery, JournalQuery
from services.gateway.hub.schemas import (
    CalendarQuery,
    InitiativeChangeSchema,
    InitiativeCreateSchema,
    InitiativeHistoryEntrySchema,
    InitiativeQuery,
    SrsValuesSchema,
)


def test_srs_values_load_as_decimals_with_source_and_date():
    loaded = load(SrsValuesSchema(), {"cities_pct": "92.1", "rural_pct": 64,
                                      "source": "Bureau of National Statistics",
                                      "as_of": "2025-12-31"})
    assert loaded["cities_pct"] == Decimal("92.1") and loaded["rural_pct"] == Decimal("64.0")
    assert loaded["rural_population_pct"] is None
    assert loaded["as_of"] == date(2025, 12, 31)


@pytest.mark.parametrize("body,field", [
    ({"cities_pct": "101", "source": "s", "as_of": "2025-01-01"}, "cities_pct"),
    ({"rural_pct": "-1", "source": "s", "as_of": "2025-01-01"}, "rural_pct"),
    ({"cities_pct": "NaN", "source": "s", "as_of": "2025-01-01"}, "cities_pct"),
    ({"cities_pct": "90", "as_of": "2025-01-01"}, "source"),
    ({"cities_pct": "90", "source": "", "as_of": "2025-01-01"}, "source"),
    ({"cities_pct": "90", "source": "s"}, "as_of"),
    ({"source": "s", "as_of": "2025-01-01"}, "cities_pct"),  # no value at all
])
def test_srs_values_refused(body, field):
    with pytest.raises(ValidationFailed) as refused:
        load(SrsValuesSchema(), body)
    assert field in refused.value.details


def test_initiative_create():
    loaded = load(InitiativeCreateSchema(), {
        "region_code": "KZ-47", "title": "Water supply of Zhanaozen", "responsible_body": "Akimat",
        "due_date": "2026-12-01",
        "event_ids": ["0b8c1c38-5f8a-4d3c-9a55-2f8d3b1e6f01"]})
    assert loaded["description"] == "" and loaded["due_date"] == date(2026, 12, 1)
    assert str(loaded["event_ids"][0]) == "0b8c1c38-5f8a-4d3c-9a55-2f8d3b1e6f01"
    with pytest.raises(ValidationFailed) as refused:
        load(InitiativeCreateSchema(), {"region_code": "KZ-99", "title": "",
                                        "due_date": "soon", "event_ids": ["x"]})
    assert {"region_code", "title", "responsible_body", "due_date", "event_ids.0"} \
        <= set(refused.value.details)


def test_initiative_change_requires_a_comment_and_known_status():
    assert load(InitiativeChangeSchema(), {"status": "resolved", "comment": "done",
                                           "expected_version": 3})["expected_version"] == 3
    with pytest.raises(ValidationFailed) as refused:
        load(InitiativeChangeSchema(), {"status": "closed"})
    assert {"status", "comment"} <= set(refused.value.details)


@pytest.mark.parametrize("schema", [InitiativeQuery, JournalQuery, AuditQuery])
@pytest.mark.parametrize("limit,ok", [("1", True), ("200", True), ("201", False), ("0", False)])
def test_page_size_is_capped(schema, limit, ok):
    args = MultiDict({"limit": limit})
    if ok:
        assert load_query(schema(), args)["limit"] == int(limit)
    else:
        with pytest.raises(ValidationFailed) as refused:
            load_query(schema(), args)
        assert "limit" in refused.value.details


def test_initiative_query_filters():
    loaded = load_query(InitiativeQuery(), MultiDict({"region": "KZ-10", "status": "open",
                                                      "kind": "rotation_due"}))
    assert loaded == {"region": "KZ-10", "status": "open", "kind": "rotation_due", "limit": 50,
                      "offset": 0}
    with pytest.raises(ValidationFailed):
        load_query(InitiativeQuery(), MultiDict({"kind": "gossip"}))


@pytest.mark.parametrize("year,ok", [("2025", True), ("1999", False), ("next", False)])
def test_calendar_year(year, ok):
    if ok:
        assert load_query(CalendarQuery(), MultiDict({"year": year})) == {"year": 2025}
    else:
        with pytest.raises(ValidationFailed):
            load_query(CalendarQuery(), MultiDict({"year": year}))


@pytest.mark.parametrize("args,field", [
    ({"since": "2026-01-01T00:00:00"}, "since"),          # an instant needs its time zone
    ({"path_prefix": "api/v1"}, "path_prefix"),          # must start with /
    ({"path_prefix": "/api/(.*)"}, "path_prefix"),       # no regex syntax
    ({"outcome": "Bad Outcome"}, "outcome"),
])
def test_audit_query_refusals(args, field):
    with pytest.raises(ValidationFailed) as refused:
        load_query(AuditQuery(), MultiDict(args))
    assert field in refused.value.details


def test_api_key_create():
    assert load(ApiKeyCreateSchema(), {"role": "ministry_analyst", "label": "stat"}) == {
        "role": "ministry_analyst", "region": None, "body": None, "label": "stat"}
    assert load(ApiKeyCreateSchema(), {"role": "central_officer", "body": "MF", "label": "x"})["body"] == "MF"
    with pytest.raises(ValidationFailed) as refused:
        load(ApiKeyCreateSchema(), {"role": "root", "region": "KZ-00", "body": "XX"})
    assert {"role", "region", "body", "label"} <= set(refused.value.details)


def test_history_entry_dumps_from_under_its_own_name():
    dumped = InitiativeHistoryEntrySchema().dump({"from": "open", "to": "resolved", "by": "x",
                                        "comment": "done"})
    assert dumped == {"from": "open", "to": "resolved", "by": "x", "comment": "done"}
