"""Revenue lines against the real store and broker: natural-key idempotency, indicators stored
and announced once, query filters, and the finance ministry's inbound executed lines."""
from decimal import Decimal

import pytest

from services.budgets.domain.lines import natural_key_id, validate_revenue_line
from services.common.errors import Conflict, ValidationFailed
from tests.support import wait_until
from tests.support.budgets import (  # noqa: F401 (fixtures)
    budgets,
    budgets_db,
    events,
    line,
    publish_revenue_executed,
    revenue_executed_envelope,
    rpc,
)

pytestmark = pytest.mark.integration


def own_and_transfers(region="KZ-61", year=2025, own="300.00", transfers="700.00"):
    return [line(region=region, year=year, code="101202", amount=own),
            line(region=region, year=year, code="402103", amount=transfers),
            line(region=region, year=year, code="101202", phase="approved", amount="1000.00")]


def test_batch_is_idempotent_on_the_natural_key(budgets, budgets_db):
    lines = own_and_transfers()
    first = rpc(budgets, "record_lines", {"lines": lines})
    assert (first["lines_inserted"], first["lines_updated"], first["lines_unchanged"]) == (3, 0, 0)
    again = rpc(budgets, "record_lines", {"lines": lines})
    assert (again["lines_inserted"], again["lines_updated"], again["lines_unchanged"]) == (0, 0, 3)
    changed = rpc(budgets, "record_lines", {"lines": [dict(lines[0], amount_kzt="350.00")]})
    assert changed["results"] == ["updated"]

    stored = list(budgets_db.revenue_lines.find({}, {"_id": 1, "amount_kzt": 1}))
    assert len(stored) == 3
    key = natural_key_id(validate_revenue_line(lines[0]))
    assert {d["_id"]: d["amount_kzt"] for d in stored}[key] == 35000  # tiyn


def test_repeated_key_inside_one_batch_counts_as_sequential_writes(budgets, budgets_db):
    one = line(amount="10.00")
    result = rpc(budgets, "record_lines", {"lines": [one, dict(one, amount_kzt="20.00"),
                                                     dict(one, amount_kzt="20.00")]})
    assert result["results"] == ["inserted", "updated", "unchanged"]
    assert budgets_db.revenue_lines.find_one({})["amount_kzt"] == 2000


def test_retried_batch_id_replays_the_summary_without_a_second_event(budgets, events):
    batch = {"batch_id": "law-2025-amendment-3", "lines": own_and_transfers(region="KZ-10")}
    first = rpc(budgets, "record_lines", batch)
    replay = rpc(budgets, "record_lines", batch)
    assert replay["replayed"] is True and replay["lines_inserted"] == first["lines_inserted"] == 3
    imported = wait_until(lambda: events.of_type("revenue_batch_imported"), message="batch event")
    assert len(imported) == 1
    assert imported[0]["payload"]["batch_id"] == "batch:law-2025-amendment-3"
    assert imported[0]["region_code"] == "KZ-10"
    with pytest.raises(Conflict):  # the same name for another region's lines
        rpc(budgets, "record_lines", dict(batch, lines=own_and_transfers(region="KZ-11")))


def test_indicators_are_stored_and_announced_once(budgets, budgets_db, events):
    rpc(budgets, "record_lines", {"lines": own_and_transfers()})
    stored = budgets_db.indicators.find_one({"_id": "KZ-61|2025"})
    assert stored["own_revenue_kzt"] == 30000 and stored["total_revenue_kzt"] == 100000
    answer = rpc(budgets, "indicators", "KZ-61", 2025)
    assert answer["stored"] is True
    assert answer["own_revenue_share"] == "0.3000"
    assert answer["execution_rate"] == "1.0000"

    wait_until(lambda: events.of_type("autonomy_below_threshold"), message="threshold event")
    rpc(budgets, "record_lines", {"lines": own_and_transfers()})  # same figures again
    rpc(budgets, "record_line", own_and_transfers()[0])
    seen = events.drain(timeout=1.0)
    recalculated = [e for e in seen if e["event_type"] == "indicators_recalculated"]
    below = [e for e in seen if e["event_type"] == "autonomy_below_threshold"]
    assert len(recalculated) == 1 and len(below) == 1
    assert below[0]["payload"]["own_revenue_share"] == "0.3000"
    assert below[0]["region_code"] == "KZ-61"

    # rising above the threshold is news, staying above is not
    rpc(budgets, "record_line", line(code="101202", amount="900.00"))
    changed = [e for e in events.drain(timeout=1.0) if e["event_type"] == "indicators_recalculated"]
    assert len(changed) == 2 and changed[-1]["payload"]["own_revenue_share"] == "0.5625"
    # the sent entries leave the document after the answer (off the request path), and no fact
    # is published anew meanwhile (the listener counts an event_id once, as every consumer does)
    wait_until(lambda: budgets_db.indicators.find_one({"_id": "KZ-61|2025"})["_outbox"] == [],
               message="sent outbox entries pulled")
    assert changed == [e for e in events.drain(timeout=1.0)
                       if e["event_type"] == "indicators_recalculated"]


def test_indicators_as_of_a_period_are_computed_from_the_months(budgets):
    rpc(budgets, "record_lines", {"lines": [
        line(period="M01", amount="10.00"), line(period="M02", amount="20.00"),
        line(period="M07", amount="40.00"),
        line(period="Y", phase="approved", amount="120.00")]})
    q1 = rpc(budgets, "indicators", "KZ-61", 2025, "Q1")
    assert q1["stored"] is False and q1["own_revenue_kzt"] == "30.00"
    assert q1["plan_basis"] == "annual" and q1["execution_rate"] == "0.2500"
    assert rpc(budgets, "indicators", "KZ-61", 2025)["own_revenue_kzt"] == "70.00"


@pytest.mark.parametrize("bad, field", [
    (line(code="109999"), "ebk_code"), (line(period="M13"), "period"),
    (line(amount="-5.00"), "amount_kzt"), (line(amount="12,5"), "amount_kzt"),
    (line(region="KZ-99"), "region_code"), (dict(line(), amount_kzt=1.5), "amount_kzt")])
def test_bad_lines_are_refused_naming_the_field(budgets, budgets_db, bad, field):
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "record_line", bad)
    assert field in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "record_lines", {"lines": [line(), bad]})
    assert f"lines.1.{field}" in exc.value.details
    assert budgets_db.revenue_lines.count_documents({}) == 0


def test_query_filters_and_caps_the_page_size(budgets):
    lines = [line(region="KZ-61", period=f"M{m:02d}", amount=f"{m}.00") for m in range(1, 13)]
    lines += [line(region="KZ-75", level="city_republican", code="104302"),
              line(region="KZ-61", code="201504", phase="approved")]
    rpc(budgets, "record_lines", {"lines": lines})
    page = rpc(budgets, "query_lines", {"region_code": "KZ-61", "ebk_prefix": "1012",
                                        "phase": "executed", "page": 2, "page_size": 5})
    assert page["total"] == 12 and len(page["items"]) == 5 and page["page"] == 2
    assert [i["period"] for i in page["items"]] == ["M06", "M07", "M08", "M09", "M10"]
    capped = rpc(budgets, "query_lines", {"page_size": 10_000})
    assert capped["page_size"] == 500 and capped["total"] == 14
    scoped = rpc(budgets, "query_lines", {}, ["KZ-75"])
    assert [i["region_code"] for i in scoped["items"]] == ["KZ-75"]
    assert rpc(budgets, "query_lines", {"region_code": "KZ-61"}, ["KZ-75"])["total"] == 0
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "query_lines", {"ebk_prefix": "9x"})
    assert "ebk_prefix" in exc.value.details


def test_finance_ministry_lines_apply_once_and_bad_ones_are_dead_lettered(
        budgets, budgets_db, events, nameko_config):
    from services.common import deadletters
    amqp = nameko_config["AMQP_URI"]
    envelope = revenue_executed_envelope("KZT-PAY-0001", region="KZ-47", amount="5000.00")
    publish_revenue_executed(amqp, envelope)
    publish_revenue_executed(amqp, envelope)  # redelivered
    bad = revenue_executed_envelope("KZT-PAY-0002", region="KZ-47", code="101202")
    bad["payload"]["ebk_code"] = "109999"
    publish_revenue_executed(amqp, bad)
    wait_until(lambda: budgets_db.revenue_lines.count_documents({}) == 1, message="line stored")
    letters = wait_until(lambda: deadletters.list_dead_letters(amqp), message="dead letter")
    assert [m["reason"] for m in letters] == ["invalid_message"]
    stored = budgets_db.revenue_lines.find_one({})
    assert stored["amount_kzt"] == 500000 and stored["source"] == "finance"
    assert stored["batch_id"] == "KZT-PAY-0001"
    recalculated = wait_until(lambda: events.of_type("indicators_recalculated"),
                              message="indicators event")
    events.drain(timeout=1.0)
    assert len([e for e in events.seen if e["event_type"] == "indicators_recalculated"]) == 1
    assert recalculated[0]["payload"]["own_revenue_kzt"] == "5000.00"
    assert Decimal(rpc(budgets, "indicators", "KZ-47", 2025)["total_revenue_kzt"]) == 5000
