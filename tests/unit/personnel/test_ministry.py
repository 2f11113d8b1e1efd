"""Organisation changes from the civil service agency: idempotent, order-tolerant, never a change
of kind or region; and the seed's wire format keeps every value exactly."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.common.errors import RuleViolation
from services.personnel.application.transfer import from_wire, to_wire
from services.personnel.domain.ministry import apply_organisation_change, is_open, refuse_if_closed

T0 = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 2, tzinfo=timezone.utc)


def change(what="created", name="Ministry of Energy", at=T0, event_id="e-1", org=None, **payload):
    body = {"org_id": "org-moe", "name": name, "kind": "central", "region_code": None,
            "change": what, **payload}
    return apply_organisation_change(org, body, event_id=event_id, occurred_at=at, now=NOW)


@pytest.mark.parametrize("what, status", [("created", "active"), ("renamed", "active"),
                                          ("closed", "closed")])
def test_unknown_body_is_created_by_any_change(what, status):
    org = change(what)
    assert (org["org_id"], org["status"], org["version"]) == ("org-moe", status, 1)
    assert org["source_changed_at"] == T0.replace(microsecond=123000)  # as the store keeps it


def test_same_change_again_or_an_older_one_changes_nothing():
    org = change("created")
    assert change("created", org=org) is None  # redelivery: same event, same instant
    assert change("renamed", name="Old", at=T0 - timedelta(minutes=1), event_id="e-0",
                  org=org) is None
    renamed = change("renamed", name="Ministry of Energy and Water", at=T0 + timedelta(hours=1),
                     event_id="e-2", org=org)
    assert (renamed["name"], renamed["version"], renamed["status"]) == (
        "Ministry of Energy and Water", 2, "active")


def test_closing_and_reopening():
    org = change("created")
    closed = change("closed", at=T0 + timedelta(days=1), event_id="e-3", org=org)
    assert not is_open(closed) and closed["closed_at"] == closed["source_changed_at"]
    with pytest.raises(RuleViolation) as refused:
        refuse_if_closed(closed)
    assert refused.value.details["rule"] == "organisation_closed"
    reopened = change("created", at=T0 + timedelta(days=2), event_id="e-4", org=closed)
    assert is_open(reopened) and reopened["closed_at"] is None
    assert is_open({"org_id": "org-legacy"})  # bodies stored before statuses existed


@pytest.mark.parametrize("payload", [{"kind": "regional", "region_code": "KZ-35"},
                                     {"kind": "district", "region_code": "KZ-35"}])
def test_kind_or_region_never_change(payload):
    org = change("created")
    with pytest.raises(RuleViolation) as refused:
        change("renamed", at=T0 + timedelta(hours=1), event_id="e-5", org=org, **payload)
    assert refused.value.details["rule"] == "organisation_immutable"


def test_wire_format_round_trips_dates_datetimes_and_money():
    doc = {"post_start": date(2021, 3, 1), "history": [{"at": T0, "by": "hr"}],
           "incentives": [{"amount_kzt": Decimal("180000.00")}], "none": None,
           "plain": {"a": [1, "x"]}}
    wired = to_wire(doc)
    assert wired["post_start"] == {"$date": "2021-03-01"}
    assert from_wire(wired) == doc
    assert isinstance(from_wire(wired)["incentives"][0]["amount_kzt"], Decimal)
