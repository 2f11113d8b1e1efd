"""The tax base widened by commissioned projects (events from the investments service), transfers
and the annual report, against the real store and broker."""
import csv
import io
import uuid

import pytest

from services.common.errors import NotFound, ValidationFailed
from tests.support import wait_until
from tests.support.budgets import (  # noqa: F401 (fixtures)
    budgets,
    budgets_db,
    events,
    line,
    project_cancelled,
    project_commissioned,
    publish_investments_event,
    rpc,
)

pytestmark = pytest.mark.integration


def forecast_total(container, region, year):
    return rpc(container, "forecast", region)["totals_kzt"].get(str(year))


def test_redelivered_commissioning_raises_the_forecast_once(budgets, events, nameko_config):
    amqp = nameko_config["AMQP_URI"]
    project = str(uuid.uuid4())
    envelope = project_commissioned(project, region="KZ-61", annual="250000000.00")
    publish_investments_event(amqp, envelope)
    publish_investments_event(amqp, envelope)  # the same event delivered twice
    other = project_commissioned(str(uuid.uuid4()), region="KZ-61", annual="50000000.00",
                                 commissioned_on="2029-06-01")
    publish_investments_event(amqp, other)
    wait_until(lambda: forecast_total(budgets, "KZ-61", 2030) == "300000000.00",
               message="both projects counted")
    forecast = rpc(budgets, "forecast", "KZ-61")
    assert forecast["totals_kzt"] == {"2027": "250000000.00", "2028": "250000000.00",
                                      "2029": "250000000.00", "2030": "300000000.00"}
    assert [c["project_id"] for c in forecast["contributions"]] == \
        sorted([project, other["payload"]["project_id"]])
    wait_until(lambda: len(events.of_type("forecast_updated")) >= 2, message="forecast events")
    events.drain(timeout=1.0)
    updates = [e for e in events.seen if e["event_type"] == "forecast_updated"]
    assert len(updates) == 2, [(e["event_id"], e["payload"]["change"],
                                e["payload"]["project_id"]) for e in updates]
    assert updates[0]["payload"]["change"] == "project_added"


def test_cancellation_takes_the_project_out_for_good(budgets, events, nameko_config):
    amqp = nameko_config["AMQP_URI"]
    project = str(uuid.uuid4())
    commissioned = project_commissioned(project, region="KZ-15")
    publish_investments_event(amqp, commissioned)
    wait_until(lambda: forecast_total(budgets, "KZ-15", 2027) == "250000000.00",
               message="project counted")
    publish_investments_event(amqp, project_cancelled(project, region="KZ-15"))
    wait_until(lambda: rpc(budgets, "forecast", "KZ-15")["cancelled_projects"] == [project],
               message="cancellation applied")
    publish_investments_event(amqp, commissioned)  # a late redelivery cannot revive it
    cancelled_only = project_cancelled(str(uuid.uuid4()), region="KZ-15")
    publish_investments_event(amqp, cancelled_only)  # never counted: a tombstone, no event
    wait_until(lambda: len(rpc(budgets, "forecast", "KZ-15")["cancelled_projects"]) == 2,
               message="second tombstone")
    forecast = rpc(budgets, "forecast", "KZ-15")
    assert forecast["totals_kzt"] == {} and forecast["contributions"] == []
    changes = [e["payload"]["change"] for e in events.drain(timeout=1.0)
               if e["event_type"] == "forecast_updated"]
    assert changes == ["project_added", "project_removed"]


def test_base_forecast_and_unknown_region(budgets):
    forecast = rpc(budgets, "set_forecast_base", "KZ-79", 2027, "1000000.00")
    assert forecast["totals_kzt"] == {"2027": "1000000.00"}
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "forecast", "KZ-00")
    assert "region_code" in exc.value.details


def test_transfers_set_get_and_feed_the_indicators(budgets, events):
    with pytest.raises(NotFound):
        rpc(budgets, "get_transfers", "KZ-31", 2025)
    answer = rpc(budgets, "set_transfers", {"region_code": "KZ-31", "fiscal_year": 2025,
                                            "subventions_kzt": "1000.00",
                                            "withdrawals_kzt": "0"})
    assert answer["indicators"]["status"] == "recipient"
    assert answer["indicators"]["subvention_per_resident_kzt"] is not None
    assert rpc(budgets, "get_transfers", "KZ-31", 2025)["earmarked_kzt"] == "0.00"
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "set_transfers", {"region_code": "KZ-31", "fiscal_year": 2025,
                                       "subventions_kzt": "-1"})
    assert "subventions_kzt" in exc.value.details
    recalculated = wait_until(lambda: events.of_type("indicators_recalculated"),
                              message="indicators event")
    assert recalculated[0]["payload"]["status"] == "recipient"


def test_annual_report_is_stored_announced_and_exported(budgets, budgets_db, events):
    rpc(budgets, "record_lines", {"lines": [
        line(region="KZ-62", code="101202", amount="600.00"),
        line(region="KZ-62", code="101202", phase="approved", amount="700.00"),
        line(region="KZ-62", code="402103", amount="400.00"),
        line(region="KZ-62", level="district", district="Zhanaarka district", code="104302",
             amount="50.00")]})
    with pytest.raises(NotFound):
        rpc(budgets, "annual_report", "KZ-62", 2025)
    report = rpc(budgets, "generate_annual_report", "KZ-62", 2025)
    assert report["due_date"] == "2026-04-01"
    assert report["indicators"]["own_revenue_kzt"] == "650.00"
    assert rpc(budgets, "annual_report", "KZ-62", 2025)["report_id"] == "KZ-62|2025"
    generated = wait_until(lambda: events.of_type("annual_report_generated"), message="event")
    assert generated[0]["payload"]["report_id"] == "KZ-62|2025"

    first = rpc(budgets, "annual_report_ofdp", "KZ-62", 2025, None, 2)
    assert first["datapackage"]["resources"][0]["path"] == "data/local-budget-revenue.csv"
    pages, cursor, text = 1, first["next_cursor"], first["csv"]
    while cursor:
        page = rpc(budgets, "annual_report_ofdp", "KZ-62", 2025, cursor, 2)
        assert "datapackage" not in page
        text += page["csv"]
        cursor, pages = page["next_cursor"], pages + 1
    rows = list(csv.DictReader(io.StringIO(text)))
    assert pages >= 2 and len(rows) == 3  # executed and approved of 101202 share one wide row
    wide = next(r for r in rows if r["ebk_code"] == "101202")
    assert (wide["amount_executed"], wide["amount_approved"]) == ("600.00", "700.00")
