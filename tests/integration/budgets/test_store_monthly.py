"""The month-by-month indicators against the real store: what the read model serves equals what
is computed as of each month, a recalculation keeps it, and a write, a transfer record or a batch
still writing stops a stale model from being served."""
import pytest

from services.budgets.domain.periods import MONTH_CODES
from services.common.guarded import guard
from tests.support.budgets import budgets, budgets_db, csv_text, line, rpc, run_import  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

PAIR = "KZ-61|2025"


def lines():
    return [line(period="M01", amount="10.00"), line(period="M02", amount="20.00"),
            line(code="101201", period="Q3", amount="40.00"), line(code="402103", period="M05", amount="5.00"),
            line(period="Y", phase="approved", amount="120.00")]


def months(budgets) -> list[dict]:
    answer = rpc(budgets, "indicators_by_month", "KZ-61", 2025)
    assert (answer["region_code"], answer["fiscal_year"]) == ("KZ-61", 2025)
    return answer["months"]


def counters(budgets_db) -> tuple[int, int]:
    doc = budgets_db.line_pair_counters.find_one({"_id": "pairs"})
    return doc["gen"][PAIR], doc.get("writing", {}).get(PAIR, 0)


def test_every_month_equals_the_figures_computed_as_of_that_month(budgets, budgets_db):
    rpc(budgets, "record_lines", {"lines": lines()})
    got = months(budgets)
    assert [m["as_of_period"] for m in got] == list(MONTH_CODES)
    for month in got:
        as_of = rpc(budgets, "indicators", "KZ-61", 2025, month["as_of_period"])
        assert month == {k: v for k, v in as_of.items() if k not in ("stored", "computed_at")}
    assert [m["own_revenue_kzt"] for m in got] == (
        ["10.00"] + ["30.00"] * 7 + ["70.00"] * 4)
    assert got[4]["transfers_received_kzt"] == "5.00"


def test_the_recalculation_keeps_the_model_and_a_read_is_served_from_it(budgets, budgets_db):
    rpc(budgets, "record_lines", {"lines": lines()})
    kept = budgets_db.indicators_by_month.find_one({"_id": PAIR})
    assert kept is not None, "the recalculation after the write stored the model"
    assert (kept["lines_gen"], 0) == counters(budgets_db)
    # what is served is the model: a mark put into it shows (nothing was written since)
    guard(budgets_db).indicators_by_month.update_one({"_id": PAIR},
                                              {"$set": {"months.0.own_revenue_kzt": "999.99"}})
    assert months(budgets)[0]["own_revenue_kzt"] == "999.99"
    # a write moves the batch counter: the model is stale, computed again and kept again
    rpc(budgets, "record_line", line(period="M01", amount="11.00"))
    assert months(budgets)[0]["own_revenue_kzt"] == "11.00"
    kept = budgets_db.indicators_by_month.find_one({"_id": PAIR})
    assert kept["months"][0]["own_revenue_kzt"] == "11.00"
    assert (kept["lines_gen"], 0) == counters(budgets_db)


def test_a_changed_transfer_record_is_never_served_stale(budgets, budgets_db):
    rpc(budgets, "record_lines", {"lines": lines()})
    assert months(budgets)[0]["status"] == "unknown"
    rpc(budgets, "set_transfers", {"region_code": "KZ-61", "fiscal_year": 2025,
                                   "subventions_kzt": "1000.00", "withdrawals_kzt": "0"})
    assert {m["status"] for m in months(budgets)} == {"recipient"}
    # a record changed behind the service's back (no recalculation): the read sees it moved
    guard(budgets_db).transfers.update_one({"_id": PAIR}, {"$set": {"subventions_kzt": 0,
                                                             "withdrawals_kzt": 500}})
    assert {m["status"] for m in months(budgets)} == {"donor"}


def test_a_model_is_not_kept_while_a_batch_writes_the_pair(budgets, budgets_db):
    rpc(budgets, "record_lines", {"lines": lines()})
    budgets_db.indicators_by_month.delete_many({})
    # a batch that raised the counters and has not finished (or a writer that died mid-batch)
    guard(budgets_db).line_pair_counters.update_one({"_id": "pairs"}, {"$inc": {f"writing.{PAIR}": 1}})
    assert months(budgets)[1]["own_revenue_kzt"] == "30.00"  # computed from the lines
    assert budgets_db.indicators_by_month.find_one({"_id": PAIR}) is None
    guard(budgets_db).line_pair_counters.update_one({"_id": "pairs"}, {"$inc": {f"writing.{PAIR}": -1}})
    assert months(budgets)[1]["own_revenue_kzt"] == "30.00"
    assert budgets_db.indicators_by_month.find_one({"_id": PAIR})["months"][1]["own_revenue_kzt"] == "30.00"


def test_a_model_from_older_lines_never_replaces_a_newer_one(budgets_db):
    from services.budgets.repository.monthly import MonthlyIndicatorsRepository
    models = MonthlyIndicatorsRepository(budgets_db)
    models.store("KZ-61", 2025, lines_gen=5, transfers=None, months=[{"as_of_period": "M01"}])
    models.store("KZ-61", 2025, lines_gen=3, transfers="older", months=[])  # a slower reader
    kept = models.find("KZ-61", 2025)
    assert (kept["lines_gen"], kept["transfers"], kept["months"]) == (5, None, [{"as_of_period": "M01"}])
    models.store("KZ-61", 2025, lines_gen=5, transfers="newer", months=[])  # same lines, new record
    assert models.find("KZ-61", 2025)["transfers"] == "newer"


def test_an_import_filling_a_pair_alone_keeps_its_model_without_reading_the_lines_back(
        budgets, budgets_db, monkeypatch):
    from services.budgets.repository.lines import RevenueLineRepository

    def read_back(self, pairs):
        raise AssertionError(f"lines of {pairs} read back")
    monkeypatch.setattr(RevenueLineRepository, "stream_pairs", read_back)
    status = run_import(budgets, csv_text(lines()), chunk_size=120)
    assert (status["state"], status["lines_inserted"]) == ("completed", len(lines()))
    kept = budgets_db.indicators_by_month.find_one({"_id": PAIR})
    assert kept is not None and (kept["lines_gen"], 0) == counters(budgets_db)
    assert [m["own_revenue_kzt"] for m in kept["months"]] == ["10.00"] + ["30.00"] * 7 + ["70.00"] * 4
    assert months(budgets) == kept["months"]
