"""Block budgets against the real store and broker: a refused move answers 409 with the figures,
emits block_move_rejected and changes nothing else; allocations, executions and carry-over."""
import pytest

from services.common.errors import NotFound, RuleViolation, ValidationFailed
from tests.support import wait_until
from tests.support.budgets import budgets, budgets_db, events, rpc  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

BLOCK = {"spending_body": "Akimat education department", "region_code": "KZ-59",
         "fiscal_year": 2025, "limit_kzt": "1000.00",
         "targets": [{"indicator": "schools renovated", "target_value": "12"}],
         "lines": [{"line_id": "schools", "allocated_kzt": "600.00"},
                   {"line_id": "transport.v2", "name": "School transport",
                    "allocated_kzt": "300.00"}]}
BLOCK_ID = "Akimat education department|KZ-59|2025"


def test_refused_move_is_409_with_figures_emits_the_event_and_changes_nothing(
        budgets, budgets_db, events):
    created = rpc(budgets, "create_block", BLOCK)
    assert created["block_id"] == BLOCK_ID and created["unallocated_kzt"] == "100.00"
    rpc(budgets, "record_block_execution", {"block_id": BLOCK_ID, "line_id": "schools",
                                            "amount_kzt": "500.00"})
    before = budgets_db.blocks.find_one({"_id": BLOCK_ID}, {"_outbox": 0, "_rev": 0})

    with pytest.raises(RuleViolation) as exc:
        rpc(budgets, "move_block_funds", {"block_id": BLOCK_ID, "from_line": "schools",
                                          "to_line": "transport.v2", "amount_kzt": "150.00"})
    assert exc.value.details["rule"] == "insufficient_line_balance"
    assert (exc.value.details["requested_kzt"], exc.value.details["available_kzt"]) == \
        ("150.00", "100.00")

    rejected = wait_until(lambda: events.of_type("block_move_rejected"), message="event")
    assert len(rejected) == 1
    assert rejected[0]["payload"]["details"]["available_kzt"] == "100.00"
    assert rejected[0]["region_code"] == "KZ-59"
    after = budgets_db.blocks.find_one({"_id": BLOCK_ID}, {"_outbox": 0, "_rev": 0})
    assert after == before  # same version, same lines: only the event was stored
    events.drain(timeout=0.5)
    assert [e["event_type"] for e in events.seen] == ["block_move_rejected"]


def test_moves_allocations_and_the_limit(budgets):
    rpc(budgets, "create_block", BLOCK)
    moved = rpc(budgets, "move_block_funds", {"block_id": BLOCK_ID, "from_line": "schools",
                                              "to_line": "transport.v2", "amount_kzt": "100.00",
                                              "move_id": "m-1"})
    again = rpc(budgets, "move_block_funds", {"block_id": BLOCK_ID, "from_line": "schools",
                                              "to_line": "transport.v2", "amount_kzt": "100.00",
                                              "move_id": "m-1"})  # retried: moves once
    assert moved["lines"] == again["lines"]
    assert {ln["line_id"]: ln["allocated_kzt"] for ln in again["lines"]} == {
        "schools": "500.00", "transport.v2": "400.00"}
    with pytest.raises(RuleViolation) as exc:
        rpc(budgets, "allocate_block_line", {"block_id": BLOCK_ID, "line_id": "meals",
                                             "allocated_kzt": "250.00"})
    assert exc.value.details["rule"] == "block_limit"
    assert exc.value.details["excess_kzt"] == "150.00"
    added = rpc(budgets, "allocate_block_line", {"block_id": BLOCK_ID, "line_id": "meals",
                                                 "allocated_kzt": "100.00"})
    assert added["unallocated_kzt"] == "0.00"
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "move_block_funds", {"block_id": BLOCK_ID, "from_line": "schools",
                                          "to_line": "nowhere", "amount_kzt": "1.00"})
    assert "to_line" in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "move_block_funds", {"block_id": BLOCK_ID, "from_line": "schools",
                                          "to_line": "meals", "amount_kzt": "abc"})
    assert "amount_kzt" in exc.value.details
    with pytest.raises(NotFound):
        rpc(budgets, "get_block", "nobody|KZ-59|2025")


def test_carry_over_moves_the_unspent_balance_once(budgets):
    rpc(budgets, "create_block", BLOCK)
    rpc(budgets, "record_block_execution", {"block_id": BLOCK_ID, "line_id": "schools",
                                            "amount_kzt": "250.00"})
    first = rpc(budgets, "carry_over_block", {"block_id": BLOCK_ID})
    again = rpc(budgets, "carry_over_block", {"block_id": BLOCK_ID})
    assert first["next_block"]["limit_kzt"] == again["next_block"]["limit_kzt"] == "750.00"
    assert first["block"]["carried_over"]["amount_kzt"] == "750.00"
    listed = rpc(budgets, "list_blocks", "KZ-59")
    assert [b["fiscal_year"] for b in listed["items"]] == [2025, 2026]
    with pytest.raises(RuleViolation) as exc:  # 2026 is still open
        rpc(budgets, "carry_over_block", {"block_id": first["next_block"]["block_id"]})
    assert exc.value.details["rule"] == "year_not_closed"
