"""Block budget rules (Budget Code 2025, Art. 170)."""
import copy
from datetime import datetime, timezone
from decimal import Decimal

import pytest

import services.budgets.contract.events  # noqa: F401
from services.budgets.domain.blocks import (
    BlockSettings,
    allocate_line,
    block_as_output,
    block_id,
    block_move_rejected_fact,
    carry_over,
    create_block,
    move_between_lines,
    record_execution,
    set_limit,
    summarise,
)
from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import build_event

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
AFTER_YEAR = datetime(2026, 1, 10, tzinfo=timezone.utc)


def new_block(limit="1000.00", lines=(("schools", "600.00"), ("transport", "300.00")), **extra):
    data = {"spending_body": "Turkistan region education department", "region_code": "KZ-61",
            "fiscal_year": 2025, "limit_kzt": limit,
            "targets": [{"indicator": "schools_renovated", "target_value": "12"}],
            "lines": [{"line_id": lid, "allocated_kzt": amount} for lid, amount in lines]}
    data.update(extra)
    return create_block(data, NOW)[0]


def test_create_block_keeps_limit_targets_and_lines():
    block = new_block()
    assert block["block_id"] == "Turkistan region education department|KZ-61|2025"
    assert block["targets"] == [{"indicator": "schools_renovated", "target_value": Decimal("12")}]
    assert summarise(block) == {"limit_kzt": Decimal("1000.00"), "allocated_kzt": Decimal("900.00"),
                                "executed_kzt": Decimal("0.00"), "unallocated_kzt": Decimal("100.00"),
                                "unspent_kzt": Decimal("1000.00")}
    out = block_as_output(block)
    assert out["unallocated_kzt"] == "100.00"
    assert out["lines"][0] == {"line_id": "schools", "name": "schools", "allocated_kzt": "600.00",
                               "executed_kzt": "0.00"}


def test_create_block_over_limit_is_a_block_limit_violation():
    with pytest.raises(RuleViolation) as exc:
        new_block(limit="800.00")
    assert exc.value.details == {"rule": "block_limit", "block_id": block_id(
        "Turkistan region education department", "KZ-61", 2025), "limit_kzt": "800.00",
        "allocated_kzt": "900.00", "excess_kzt": "100.00"}


def test_create_block_reports_every_bad_field():
    with pytest.raises(ValidationFailed) as exc:
        create_block({"spending_body": "a|b", "region_code": "KZ-00", "fiscal_year": 2050,
                      "limit_kzt": 10.5, "targets": [{"indicator": "", "target_value": "x"}],
                      "lines": [{"line_id": "a", "allocated_kzt": "1"},
                                {"line_id": "a", "allocated_kzt": "-1"}]}, NOW)
    assert set(exc.value.details) >= {"spending_body", "region_code", "fiscal_year", "limit_kzt",
                                      "targets.0.indicator", "targets.0.target_value",
                                      "lines.1.line_id", "lines.1.allocated_kzt"}


def test_move_between_lines():
    block = new_block()
    moved, facts = move_between_lines(block, "schools", "transport", "250.00", now=NOW)
    assert facts == []
    assert moved["lines"]["schools"]["allocated_kzt"] == Decimal("350.00")
    assert moved["lines"]["transport"]["allocated_kzt"] == Decimal("550.00")
    assert summarise(moved)["allocated_kzt"] == Decimal("900.00")
    assert moved["moves"][0]["amount_kzt"] == Decimal("250.00")
    assert block["lines"]["schools"]["allocated_kzt"] == Decimal("600.00")  # input untouched


@pytest.mark.parametrize("executed, amount, ok", [
    ("0", "600.00", True), ("0", "600.01", False), ("100.00", "500.00", True),
    ("100.00", "500.01", False), ("600.00", "0.01", False)])
def test_source_line_must_hold_the_amount_unspent(executed, amount, ok):
    block = new_block()
    if executed != "0":
        block, _ = record_execution(block, "schools", executed)
    if ok:
        moved, _ = move_between_lines(block, "schools", "transport", amount, now=NOW)
        assert moved["lines"]["schools"]["allocated_kzt"] >= moved["lines"]["schools"]["executed_kzt"]
    else:
        with pytest.raises(RuleViolation) as exc:
            move_between_lines(block, "schools", "transport", amount, now=NOW)
        details = exc.value.details
        assert details["rule"] == "insufficient_line_balance"
        assert details["requested_kzt"] == str(Decimal(amount).quantize(Decimal("0.01")))
        assert details["available_kzt"] == str(Decimal("600.00") - Decimal(executed))


def test_move_with_a_known_move_id_is_applied_once():
    block = new_block()
    once, _ = move_between_lines(block, "schools", "transport", "100.00", now=NOW, move_id="m-1")
    twice, facts = move_between_lines(once, "schools", "transport", "100.00", now=NOW, move_id="m-1")
    assert twice == once and facts == []
    assert twice["lines"]["schools"]["allocated_kzt"] == Decimal("500.00")


@pytest.mark.parametrize("from_line, to_line, amount, field", [
    ("schools", "nowhere", "1.00", "to_line"), ("nowhere", "schools", "1.00", "from_line"),
    ("schools", "schools", "1.00", "to_line"), ("schools", "transport", "0", "amount_kzt"),
    ("schools", "transport", 1.5, "amount_kzt")])
def test_malformed_moves_are_validation_errors(from_line, to_line, amount, field):
    with pytest.raises(ValidationFailed) as exc:
        move_between_lines(new_block(), from_line, to_line, amount, now=NOW)
    assert field in exc.value.details


def test_limit_broken_by_a_lowered_limit_is_caught_on_the_next_move():
    block = new_block()
    block["limit_kzt"] = Decimal("850.00")  # as if stored before a rule existed
    with pytest.raises(RuleViolation) as exc:
        move_between_lines(block, "schools", "transport", "1.00", now=NOW)
    assert exc.value.details["rule"] == "block_limit"


def test_allocation_rules():
    block = new_block()
    grown, _ = allocate_line(block, "heating", "100.00", name="Heating of schools")
    assert summarise(grown)["allocated_kzt"] == Decimal("1000.00")
    with pytest.raises(RuleViolation) as exc:
        allocate_line(grown, "heating", "100.01")
    assert exc.value.details["rule"] == "block_limit"
    assert exc.value.details["excess_kzt"] == "0.01"
    spent, _ = record_execution(grown, "heating", "80.00")
    with pytest.raises(RuleViolation) as exc:
        allocate_line(spent, "heating", "79.99")
    assert exc.value.details["rule"] == "insufficient_line_balance"


def test_execution_and_limit_changes():
    block = new_block()
    with pytest.raises(RuleViolation) as exc:
        record_execution(block, "transport", "300.01")
    assert exc.value.details["available_kzt"] == "300.00"
    with pytest.raises(RuleViolation) as exc:
        set_limit(block, "899.99")
    assert exc.value.details["rule"] == "block_limit"
    assert set_limit(block, "900.00")[0]["limit_kzt"] == Decimal("900.00")


def test_rejected_move_fact_carries_numbers_as_strings():
    block = new_block()
    request = {"from_line": "transport", "to_line": "schools", "amount_kzt": "500.00"}
    with pytest.raises(RuleViolation) as exc:
        move_between_lines(block, request["from_line"], request["to_line"], request["amount_kzt"],
                           now=NOW)
    kind, payload = block_move_rejected_fact(block, request, exc.value)
    assert kind == "block_move_rejected"
    assert payload["rule"] == "insufficient_line_balance"
    assert payload["details"]["requested_kzt"] == "500.00"
    assert payload["details"]["available_kzt"] == "300.00"
    assert build_event(kind, payload, region_code="KZ-61")["payload"]["amount_kzt"] == "500.00"


# --- carry-over ---------------------------------------------------------------------------------

def spent_block():
    block = new_block()
    block, _ = record_execution(block, "schools", "550.00")
    block, _ = record_execution(block, "transport", "200.00")
    return block  # unspent = 1000 - 750 = 250


def test_carry_over_creates_next_years_block_once():
    source, target, facts = carry_over(spent_block(), None, now=AFTER_YEAR)
    assert facts == []
    assert target["block_id"].endswith("|KZ-61|2026")
    assert target["limit_kzt"] == Decimal("250.00")
    assert target["carry_ins"] == {source["block_id"]: Decimal("250.00")}
    assert source["carried_over"]["amount_kzt"] == Decimal("250.00")
    again_source, again_target, _ = carry_over(source, target, now=AFTER_YEAR)
    assert again_target == target and again_source == source


def test_carry_over_extends_an_existing_block():
    existing = create_block({"spending_body": "Turkistan region education department",
                             "region_code": "KZ-61", "fiscal_year": 2026, "limit_kzt": "2000.00",
                             "lines": [{"line_id": "schools", "allocated_kzt": "1500.00"}]}, NOW)[0]
    _, target, _ = carry_over(spent_block(), existing, now=AFTER_YEAR)
    assert target["limit_kzt"] == Decimal("2250.00")
    assert target["lines"] == existing["lines"]


def test_carry_over_interrupted_between_writes_is_completed_without_doubling():
    source = spent_block()
    _, target, _ = carry_over(source, None, now=AFTER_YEAR)
    # the next block was stored but the source was not marked: run again with the stored target
    finished_source, finished_target, _ = carry_over(source, target, now=AFTER_YEAR)
    assert finished_target["limit_kzt"] == Decimal("250.00")
    assert finished_source["carried_over"]["to_block_id"] == target["block_id"]


def test_carry_over_waits_for_year_end_unless_configured():
    with pytest.raises(RuleViolation) as exc:
        carry_over(spent_block(), None, now=datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc))
    assert exc.value.details["rule"] == "year_not_closed"
    _, target, _ = carry_over(spent_block(), None, now=NOW,
                              config=BlockSettings(carry_over_only_after_year_end=False))
    assert target["limit_kzt"] == Decimal("250.00")


def test_carry_over_refuses_a_foreign_next_block():
    other = copy.deepcopy(new_block())
    with pytest.raises(ValidationFailed):
        carry_over(spent_block(), other, now=AFTER_YEAR)
