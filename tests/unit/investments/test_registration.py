"""Registration: the stored document, cost in KZT, and every validation rule (all at once)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import ValidationFailed
from services.investments.application.demo_data import example_project
from services.investments.contract.identifiers import bin_check_digit, is_valid_bin
from services.investments.domain import register_project
from services.investments.domain.settings import InvestmentSettings

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)


def register(payload=None, **kwargs):
    kwargs.setdefault("project_id", "p-1")
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("by", "officer-1")
    return register_project(example_project() if payload is None else payload, **kwargs)


def problems_of(payload, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        register(payload, **kwargs)
    return caught.value.details


def test_registered_project_is_a_stored_document_at_stage_proposed_version_1():
    project, events = register()
    assert project["id"] == "p-1"
    assert project["stage"] == "proposed"
    assert project["version"] == 1
    assert project["cost_kzt"] == Decimal("12500000000.00")
    assert project["total_cost"] == {"amount": Decimal("12500000000.00"), "currency": "KZT",
                                     "exchange_rate": None}
    assert project["planned_start"] == date(2025, 4, 1)
    assert project["financing_sources"][1] == {"source": "bank_loan",
                                               "amount_kzt": Decimal("10000000000.00")}
    assert project["jobs_created"] == 0 and project["invested_to_date_kzt"] == Decimal("0.00")
    assert project["actual_start"] is None and project["actual_commissioning"] is None
    assert project["created_at"] == project["updated_at"] == project["stage_entered_at"] == NOW
    assert project["created_by"] == "officer-1"
    assert project["stage_history"] == [
        {"from": None, "to": "proposed", "at": NOW, "by": "officer-1", "reason": None}]
    assert project["suspended_from"] is None and project["progress_reports"] == []
    assert [e[0] for e in events] == ["project_registered"]


def test_optional_fields_take_defaults():
    payload = example_project()
    for key in ("description", "district", "agglomeration", "financing_sources",
                "planned_start", "planned_commissioning", "expected_annual_local_revenue_kzt"):
        payload.pop(key)
    project, _ = register(payload)
    assert project["description"] == "" and project["district"] == ""
    assert project["agglomeration"] is None and project["financing_sources"] == []
    assert project["planned_start"] is None
    assert project["expected_annual_local_revenue_kzt"] == Decimal("0.00")


def test_text_is_stripped():
    project, _ = register(example_project(title="  Dairy complex  ", district=" Rudny "))
    assert project["title"] == "Dairy complex" and project["district"] == "Rudny"


@pytest.mark.parametrize("amount,rate,cost_kzt", [
    ("1000000.00", "512.35", "512350000.00"),
    ("100.01", "470.123456", "47017.05"),   # 47017.0468... rounds to the nearest tiyn
    ("0.01", "0.5", "0.01"),                # 0.005 rounds half-up
    ("3", "500", "1500.00"),
])
def test_usd_cost_is_converted_with_the_rate_and_both_are_stored(amount, rate, cost_kzt):
    payload = example_project(
        total_cost={"amount": amount, "currency": "USD", "exchange_rate": rate},
        financing_sources=[])
    project, _ = register(payload)
    assert project["cost_kzt"] == Decimal(cost_kzt)
    assert project["total_cost"]["currency"] == "USD"
    assert project["total_cost"]["exchange_rate"] == Decimal(rate)
    assert project["total_cost"]["amount"] == Decimal(amount).quantize(Decimal("0.01"))


def test_money_accepts_decimal_and_int_but_not_float():
    project, _ = register(example_project(
        total_cost={"amount": 5_000_000, "currency": "KZT"},
        expected_annual_local_revenue_kzt=Decimal("12.5"), financing_sources=[]))
    assert project["cost_kzt"] == Decimal("5000000.00")
    assert project["expected_annual_local_revenue_kzt"] == Decimal("12.50")
    # Stored quantized to the tiyn, so every reader sees two places.
    assert str(project["cost_kzt"]) == "5000000.00"
    assert str(project["expected_annual_local_revenue_kzt"]) == "12.50"
    details = problems_of(example_project(expected_annual_local_revenue_kzt=12.5))
    assert details == {"expected_annual_local_revenue_kzt":
                       ["must be a decimal string, not a binary float"]}


def test_dates_accept_date_objects():
    project, _ = register(example_project(planned_start=date(2026, 1, 1),
                                          planned_commissioning=date(2026, 1, 1)))
    assert project["planned_commissioning"] == date(2026, 1, 1)  # same day is not "before"


INVALID = [
    ("unknown region", {"region_code": "KZ-99"}, "region_code"),
    ("region in lower case", {"region_code": "kz-39"}, "region_code"),
    ("unknown agglomeration", {"agglomeration": "semey"}, "agglomeration"),
    ("agglomeration outside its region", {"agglomeration": "almaty"}, "agglomeration"),
    ("unknown sector", {"sector": "banking"}, "sector"),
    ("unknown project type", {"project_type": "greenfield"}, "project_type"),
    ("blank title", {"title": "   "}, "title"),
    ("multi-line title", {"title": "a\nb"}, "title"),
    ("title too long", {"title": "x" * 301}, "title"),
    ("description too long", {"description": "x" * 5001}, "description"),
    ("title not text", {"title": 5}, "title"),
    ("empty external_ref", {"external_ref": ""}, "external_ref"),
    ("external_ref too long", {"external_ref": "R" * 65}, "external_ref"),
    ("external_ref with padding", {"external_ref": " R-1"}, "external_ref"),
    ("negative cost", {"total_cost": {"amount": "-1.00", "currency": "KZT"}}, "total_cost.amount"),
    ("zero cost", {"total_cost": {"amount": "0", "currency": "KZT"}}, "total_cost.amount"),
    ("cost with 3 decimals", {"total_cost": {"amount": "1.005", "currency": "KZT"}},
     "total_cost.amount"),
    ("cost not a number", {"total_cost": {"amount": "a lot", "currency": "KZT"}},
     "total_cost.amount"),
    ("cost NaN", {"total_cost": {"amount": "NaN", "currency": "KZT"}}, "total_cost.amount"),
    ("cost too large", {"total_cost": {"amount": "1000000000000000.01", "currency": "KZT"}},
     "total_cost.amount"),
    ("unknown currency", {"total_cost": {"amount": "1.00", "currency": "EUR"}},
     "total_cost.currency"),
    ("missing currency", {"total_cost": {"amount": "1.00"}}, "total_cost.currency"),
    ("USD without rate", {"total_cost": {"amount": "1.00", "currency": "USD"}},
     "total_cost.exchange_rate"),
    ("USD with zero rate", {"total_cost": {"amount": "1.00", "currency": "USD",
                                           "exchange_rate": "0"}}, "total_cost.exchange_rate"),
    ("USD with negative rate", {"total_cost": {"amount": "1.00", "currency": "USD",
                                               "exchange_rate": "-480"}},
     "total_cost.exchange_rate"),
    ("rate on a KZT amount", {"total_cost": {"amount": "1.00", "currency": "KZT",
                                             "exchange_rate": "1"}}, "total_cost.exchange_rate"),
    ("unknown cost field", {"total_cost": {"amount": "1.00", "currency": "KZT", "vat": "1"}},
     "total_cost.vat"),
    ("cost not an object", {"total_cost": "100 KZT"}, "total_cost"),
    ("USD cost above the bound in KZT",
     {"total_cost": {"amount": "10000000000000.00", "currency": "USD", "exchange_rate": "500"},
      "financing_sources": []}, "total_cost.amount"),
    ("BIN with 11 digits", {"investor": {"name": "A", "country": "KZ", "bin": "25014000000"}},
     "investor.bin"),
    ("BIN with letters", {"investor": {"name": "A", "country": "KZ", "bin": "25014000000X"}},
     "investor.bin"),
    ("BIN with wrong check digit", {"investor": {"name": "A", "country": "KZ",
                                                 "bin": "250140000004"}}, "investor.bin"),
    ("BIN as a number", {"investor": {"name": "A", "country": "KZ", "bin": 250140000003}},
     "investor.bin"),
    ("country not ISO", {"investor": {"name": "A", "country": "KAZ", "bin": "250140000003"}},
     "investor.country"),
    ("country lower case", {"investor": {"name": "A", "country": "kz", "bin": "250140000003"}},
     "investor.country"),
    ("unassigned country code", {"investor": {"name": "A", "country": "XX",
                                              "bin": "250140000003"}}, "investor.country"),
    ("investor without name", {"investor": {"country": "KZ", "bin": "250140000003"}},
     "investor.name"),
    ("investor not an object", {"investor": "Tobyl Agro"}, "investor"),
    ("negative jobs", {"jobs_planned": -1}, "jobs_planned"),
    ("jobs as text", {"jobs_planned": "250"}, "jobs_planned"),
    ("jobs as bool", {"jobs_planned": True}, "jobs_planned"),
    ("too many jobs", {"jobs_planned": 1_000_001}, "jobs_planned"),
    ("planned commissioning before start",
     {"planned_start": "2026-01-02", "planned_commissioning": "2026-01-01"},
     "planned_commissioning"),
    ("planned start not a date", {"planned_start": "01.04.2025"}, "planned_start"),
    ("planned start with time", {"planned_start": datetime(2025, 4, 1, tzinfo=timezone.utc)},
     "planned_start"),
    ("planned start far past", {"planned_start": "1990-01-01"}, "planned_start"),
    ("negative expected revenue", {"expected_annual_local_revenue_kzt": "-5.00"},
     "expected_annual_local_revenue_kzt"),
    ("financing not a list", {"financing_sources": {"own_funds": "1"}}, "financing_sources"),
    ("unknown financing source", {"financing_sources": [{"source": "lottery",
                                                         "amount_kzt": "1.00"}]},
     "financing_sources.0.source"),
    ("zero financing amount", {"financing_sources": [{"source": "own_funds",
                                                      "amount_kzt": "0"}]},
     "financing_sources.0.amount_kzt"),
    ("financing above cost", {"financing_sources": [
        {"source": "own_funds", "amount_kzt": "12500000000.00"},
        {"source": "bank_loan", "amount_kzt": "0.01"}]}, "financing_sources"),
    ("financing item missing amount", {"financing_sources": [{"source": "own_funds"}]},
     "financing_sources.0.amount_kzt"),
    ("unknown field", {"jobs_created": 5}, "jobs_created"),
    ("actual dates are not registration input", {"actual_start": "2025-01-01"}, "actual_start"),
]


@pytest.mark.parametrize("change,field", [(c, f) for _, c, f in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_each_validation_rule_names_its_field(change, field):
    details = problems_of(example_project(**change))
    assert field in details, details
    assert all(isinstance(r, str) for r in details[field])


@pytest.mark.parametrize("missing", ["external_ref", "title", "region_code", "sector",
                                     "project_type", "investor", "total_cost", "jobs_planned"])
def test_required_fields(missing):
    payload = example_project()
    payload.pop(missing)
    assert problems_of(payload) == {missing: ["required"]}


def test_every_bad_field_is_reported_at_once():
    payload = example_project(
        region_code="KZ-00", sector="banking", jobs_planned=-3,
        investor={"name": "A", "country": "KZ", "bin": "123"},
        total_cost={"amount": "-10", "currency": "USD"},
        planned_start="2027-01-01", planned_commissioning="2026-01-01")
    details = problems_of(payload)
    assert {"region_code", "sector", "jobs_planned", "investor.bin", "total_cost.amount"} <= set(
        details)
    # Cross-field rules run once the single fields are sound, so they are not reported here.
    assert "planned_commissioning" not in details


def test_cross_field_rules_are_reported_together():
    details = problems_of(example_project(
        agglomeration="astana", planned_start="2027-01-01", planned_commissioning="2026-01-01",
        financing_sources=[{"source": "own_funds", "amount_kzt": "99999999999.00"}]))
    assert set(details) == {"agglomeration", "planned_commissioning", "financing_sources"}
    assert details["agglomeration"] == ["not part of region KZ-39"]
    assert details["planned_commissioning"] == ["must not be before planned_start"]


@pytest.mark.parametrize("region,agglomeration", [
    ("KZ-75", "almaty"), ("KZ-19", "almaty"), ("KZ-71", "astana"), ("KZ-11", "astana"),
    ("KZ-79", "shymkent"), ("KZ-61", "shymkent"), ("KZ-15", "aktobe"), ("KZ-35", "karaganda"),
])
def test_agglomeration_accepted_in_each_of_its_regions(region, agglomeration):
    project, _ = register(example_project(region_code=region, agglomeration=agglomeration))
    assert project["agglomeration"] == agglomeration


def test_validation_details_are_json_serialisable():
    import json
    details = problems_of(example_project(total_cost={"amount": 1.5, "currency": "KZT"}))
    json.dumps(details)


def test_bin_check_digit_can_be_switched_off_by_config():
    payload = example_project(investor={"name": "A", "country": "KZ", "bin": "250140000004"})
    project, _ = register(payload, config=InvestmentSettings(verify_bin_check_digit=False))
    assert project["investor"]["bin"] == "250140000004"


@pytest.mark.parametrize("bin_,valid", [
    ("250140000003", True), ("250140000004", False), ("000000000000", True),
    ("12345678901", False), ("1234567890123", False), ("１２３４５６７８９０１２", False),
])
def test_bin_validation(bin_, valid):
    assert is_valid_bin(bin_) is valid


def test_bin_check_digit_uses_second_weights_when_first_gives_ten():
    # A 1 in the tenth place: weight 10 in the first pass (remainder 10), weight 1 in the second.
    first = "00000000010"
    assert sum(int(d) * w for d, w in zip(first, range(1, 12), strict=True)) % 11 == 10
    assert bin_check_digit(first) == 1


def test_bin_without_any_valid_check_digit():
    # weights 1..11 -> 10 and weights 3..11,1,2 -> 10 for this prefix
    candidates = [f"{n:011d}" for n in range(0, 200000)]
    impossible = next(c for c in candidates if bin_check_digit(c) is None)
    assert not any(is_valid_bin(impossible + str(d)) for d in range(10))


def test_now_must_be_aware_and_actor_given():
    with pytest.raises(TypeError):
        register(now=datetime(2025, 6, 2, 9, 30))
    with pytest.raises(TypeError):
        register(by="")
    with pytest.raises(TypeError):
        register(project_id="")


def test_now_in_another_zone_is_stored_in_utc():
    from datetime import timedelta
    almaty = timezone(timedelta(hours=5))
    project, _ = register(now=datetime(2025, 6, 2, 14, 30, tzinfo=almaty))
    assert project["created_at"] == NOW and project["created_at"].utcoffset() == timedelta(0)


def test_input_is_not_mutated():
    payload = example_project()
    snapshot = repr(payload)
    register(payload)
    assert repr(payload) == snapshot


def test_non_dict_command():
    with pytest.raises(ValidationFailed) as caught:
        register(["not", "a", "dict"])
    assert caught.value.details == {"_schema": ["must be an object"]}


def test_defaults_are_not_shared_between_projects():
    payload = example_project()
    payload.pop("financing_sources")
    first, _ = register(payload)
    first["financing_sources"].append({"source": "grant", "amount_kzt": Decimal("1.00")})
    second, _ = register(payload)
    assert second["financing_sources"] == []


def test_domain_imports_no_framework():
    import subprocess
    import sys
    # The layering rule's list: marshmallow may come in through services.common.money (Kzt).
    code = ("import sys, services.investments.domain, services.investments.application.demo_data; "
            "print(sorted(m for m in ('nameko', 'pymongo', 'bson', 'kombu', 'eventlet') "
            "if m in sys.modules))")
    from pathlib import Path
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=root)
    assert out.stdout.strip() == "[]"
