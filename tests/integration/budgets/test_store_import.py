"""Bulk imports through the chunked RPCs against the real store and broker: partial versus
all-or-nothing, idempotent re-import, per-row error reports, OFDP packages, region scope and a
job taken over from a runner that died."""
import io
from datetime import datetime, timedelta, timezone

import pytest

from services.budgets.domain.lines import validate_revenue_line
from services.budgets.domain.ofdp import datapackage_descriptor, write_ofdp_csv
from services.budgets.imports.repository import chunk_id
from services.common.errors import Conflict, ValidationFailed
from tests.support import wait_until
from tests.support.budgets import budgets, budgets_db, csv_text, events, line, rpc, run_import  # noqa: F401

pytestmark = pytest.mark.integration


def good_lines(region="KZ-61", year=2025, months=12):
    return [line(region=region, year=year, period=f"M{m:02d}", amount=f"{m * 100}.50")
            for m in range(1, months + 1)]


BAD_ROWS = ["KZ-61,oblast,,2025,M13,101202,executed,10.00",       # period
            "KZ-61,oblast,,2025,Y,109999,executed,-3"]            # code and amount


def test_partial_import_keeps_good_rows_and_reports_bad_ones(budgets, budgets_db, events):
    text = csv_text(good_lines()[:6], BAD_ROWS) + csv_text(good_lines()[6:]).split("\n", 1)[1]
    status = run_import(budgets, text, mode="partial", chunk_size=100)
    assert status["state"] == "completed"
    assert (status["rows_processed"], status["rows_rejected"]) == (14, 2)
    assert status["lines_inserted"] == 12
    assert {(e["row"], e["field"]) for e in status["errors"]} == {
        (8, "period"), (9, "ebk_code"), (9, "amount_kzt")}
    assert budgets_db.revenue_lines.count_documents({}) == 12
    wait_until(lambda: budgets_db.import_chunks.count_documents({}) == 0,
               message="staged text dropped after the job")
    imported = wait_until(lambda: events.of_type("revenue_batch_imported"), message="event")
    assert imported[0]["payload"]["rows_rejected"] == 2
    assert imported[0]["payload"]["lines_inserted"] == 12
    assert rpc(budgets, "indicators", "KZ-61", 2025)["own_revenue_kzt"] == "7806.00"


def test_all_or_nothing_import_stores_nothing_when_a_row_fails(budgets, budgets_db, events):
    text = csv_text(good_lines(), BAD_ROWS[:1])
    status = run_import(budgets, text, mode="all_or_nothing", chunk_size=64)
    assert status["state"] == "rejected"
    assert status["errors"] == [{"row": 14, "field": "period", "reason":
                                 "unknown period 'M13': use M01..M12 (month), Q1..Q4 (quarter) "
                                 "or Y (year)"}]
    assert "nothing was imported" in status["failure"]
    assert budgets_db.revenue_lines.count_documents({}) == 0
    assert budgets_db.indicators.count_documents({}) == 0
    assert events.drain(timeout=1.0) == []

    fixed = run_import(budgets, csv_text(good_lines()), mode="all_or_nothing")
    assert fixed["state"] == "completed" and fixed["lines_inserted"] == 12
    assert budgets_db.revenue_lines.count_documents({}) == 12


def test_reimport_never_double_counts(budgets, budgets_db, events):
    text = csv_text(good_lines() + good_lines(region="KZ-75")[:0])
    first = run_import(budgets, text)
    second = run_import(budgets, text, chunk_size=7)
    assert first["lines_inserted"] == 12
    assert (second["lines_inserted"], second["lines_updated"], second["lines_unchanged"]) == \
        (0, 0, 12)
    changed = csv_text([dict(good_lines()[0], amount_kzt="1.00")] + good_lines()[1:])
    third = run_import(budgets, changed)
    assert (third["lines_updated"], third["lines_unchanged"]) == (1, 11)
    assert budgets_db.revenue_lines.count_documents({}) == 12
    assert rpc(budgets, "indicators", "KZ-61", 2025)["own_revenue_kzt"] == "7706.50"
    wait_until(lambda: len(events.of_type("revenue_batch_imported")) == 3, message="3 events")
    recalculated = [e for e in events.seen if e["event_type"] == "indicators_recalculated"]
    assert len(recalculated) == 2  # the unchanged re-import recalculated nothing


def test_a_file_that_cannot_be_read_is_rejected_even_in_partial_mode(budgets, budgets_db):
    status = run_import(budgets, "region_code,budget_level\nKZ-61,oblast\n", mode="partial")
    assert status["state"] == "rejected"
    assert status["errors"][0]["row"] == 1 and status["errors"][0]["field"] == "header"
    assert budgets_db.revenue_lines.count_documents({}) == 0


def test_regional_scope_turns_other_regions_into_bad_rows(budgets, budgets_db):
    text = csv_text(good_lines(months=2) + good_lines(region="KZ-10", months=1))
    status = run_import(budgets, text, regions=["KZ-61"])
    assert status["rows_rejected"] == 1 and status["errors"][0]["field"] == "region_code"
    assert status["region_codes"] == ["KZ-61"]
    assert budgets_db.revenue_lines.count_documents({"region_code": "KZ-10"}) == 0


def test_ofdp_package_import_reads_one_line_per_phase(budgets, budgets_db):
    documents = [validate_revenue_line(item) for item in
                 [line(phase="executed", amount="90.00"), line(phase="approved", amount="100.00"),
                  line(code="104302", phase="planned", amount="5.00")]]
    out = io.StringIO()
    write_ofdp_csv(documents, out)
    descriptor = datapackage_descriptor(fiscal_years=[2025], region_codes=["KZ-61"],
                                        created_at=datetime.now(timezone.utc))
    status = run_import(budgets, out.getvalue(), "ofdp", "all_or_nothing",
                        datapackage=descriptor, chunk_size=50)
    assert status["state"] == "completed", status
    assert (status["rows_processed"], status["lines_inserted"]) == (2, 3)
    indicators = rpc(budgets, "indicators", "KZ-61", 2025)
    assert indicators["execution_rate"] == "0.9000"


def test_chunk_protocol_checks(budgets, budgets_db):
    started = rpc(budgets, "import_start", "csv", "partial")
    import_id = started["import_id"]
    assert rpc(budgets, "import_chunk", import_id, 0, "region_code")["stored"] is True
    assert rpc(budgets, "import_chunk", import_id, 0, "region_code")["stored"] is False
    with pytest.raises(Conflict):
        rpc(budgets, "import_chunk", import_id, 0, "something else")
    with pytest.raises(Conflict) as exc:
        rpc(budgets, "import_finish", import_id, 2)
    # (nameko carries error details as text across RPC)
    assert exc.value.details == {"chunks_total": "2", "missing": ["1"], "chunks_missing": "1"}
    status = rpc(budgets, "import_status", import_id)
    assert (status["chunks_received"], status["chars_received"], status["state"]) == \
        (1, 11, "receiving")
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "import_start", "xlsx", "sometimes")
    assert set(exc.value.details) == {"format", "mode"}
    with pytest.raises(ValidationFailed) as exc:
        rpc(budgets, "import_start", "ofdp", "partial")
    assert "datapackage" in exc.value.details


def test_a_job_left_by_a_dead_runner_is_resumed_from_its_checkpoint(budgets, budgets_db):
    """The first three rows were written and checkpointed by a runner that then died."""
    lines = good_lines(months=6)
    started = rpc(budgets, "import_start", "csv", "partial")
    import_id = started["import_id"]
    rpc(budgets, "record_lines", {"lines": lines[:3]})  # what the dead runner had written
    text = csv_text(lines)
    budgets_db.import_chunks.insert_one({"_id": chunk_id(import_id, 0), "import_id": import_id,
                                         "seq": 0, "size": len(text), "text": text})
    past = datetime.now(timezone.utc) - timedelta(minutes=10)
    budgets_db.imports.update_one({"_id": import_id}, {"$set": {
        "state": "processing", "phase": "writing", "chunks_received": 1, "chunks_total": 1,
        "claim": "dead-runner", "lease_until": past, "attempts": 1, "resume_after_row": 4,
        "rows_processed": 3, "lines_inserted": 3, "pairs": ["KZ-61|2025"],
        "region_codes": ["KZ-61"], "fiscal_years": [2025]}, "$inc": {"_rev": 1}})

    def finished():
        status = rpc(budgets, "import_status", import_id)
        return status if status["done"] else None

    status = wait_until(finished, timeout=30, message="resumed import finished")
    assert status["state"] == "completed"
    assert (status["rows_processed"], status["lines_inserted"], status["lines_unchanged"]) == \
        (6, 6, 0)
    assert budgets_db.revenue_lines.count_documents({}) == 6


def _cli(*argv):
    import argparse

    from services.budgets.cli import add_import_arguments, import_command
    args = add_import_arguments(argparse.ArgumentParser()).parse_args([str(a) for a in argv])
    return import_command(args)


def test_cli_import_shows_progress_and_the_row_errors(budgets, budgets_db, tmp_path, capsys):
    path = tmp_path / "revenue.csv"
    path.write_text(csv_text(good_lines(), BAD_ROWS[:1]), encoding="utf-8")
    assert _cli(path, "--chunk-chars", "120") == 0
    out, err = capsys.readouterr()
    assert "completed" in out and "lines inserted 12" in out
    assert "row 14: period: unknown period 'M13'" in out
    assert "[##############################] 100%" in err and "uploading" in err
    assert _cli(path, "--mode", "all_or_nothing") == 1
    out, _ = capsys.readouterr()
    assert "rejected" in out and "nothing was imported" in out


def test_cli_imports_an_ofdp_package_from_its_descriptor(budgets, budgets_db, tmp_path, capsys):
    import json
    documents = [validate_revenue_line(item) for item in good_lines(region="KZ-43", months=3)]
    (tmp_path / "data").mkdir()
    with open(tmp_path / "data" / "local-budget-revenue.csv", "w", encoding="utf-8") as out:
        write_ofdp_csv(documents, out)
    descriptor = datapackage_descriptor(fiscal_years=[2025], region_codes=["KZ-43"],
                                        created_at=datetime.now(timezone.utc))
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert _cli(tmp_path / "datapackage.json", "--mode", "all_or_nothing") == 0
    assert "lines inserted 3" in capsys.readouterr().out
    assert _cli(tmp_path / "missing.csv") == 2


def test_indicators_kept_while_importing_match_reading_the_lines_back(
        container_factory, nameko_config, budgets_db, monkeypatch):
    """Small batches, a key corrected in a later batch, a pair with earlier lines and a fresh one:
    the stored figures equal the ones computed from the store."""
    from services.budgets.domain.settings import ImportSettings
    from services.budgets.imports.runner import ImportRunner
    from services.budgets.service import BudgetsService

    class SmallBatches(BudgetsService):
        import_runner = ImportRunner(ImportSettings(batch_size=3, poll_seconds=0.2))

    monkeypatch.setenv("BUDGETS_METRICS_PORT", "0")
    container = container_factory(SmallBatches, nameko_config)
    container.start()
    rpc(container, "record_line", line(region="KZ-11", period="M05", amount="7.00"))
    lines = good_lines(region="KZ-11", months=4) + good_lines(region="KZ-27", months=5)
    lines += [line(region="KZ-27", period="M01", amount="999.99"),          # corrects row 2
              line(region="KZ-27", code="402103", period="Y", amount="5000.00"),
              line(region="KZ-27", phase="approved", period="Y", amount="20000.00")]
    status = run_import(container, csv_text(lines))
    assert status["state"] == "completed" and status["lines_updated"] == 1
    for region in ("KZ-11", "KZ-27"):
        stored = rpc(container, "indicators", region, 2025)
        read_back = rpc(container, "indicators", region, 2025, "Q4")
        assert stored["stored"] is True and read_back["stored"] is False
        for name in ("own_revenue_kzt", "total_revenue_kzt", "by_category", "plan_kzt",
                     "execution_rate", "own_revenue_share"):
            assert stored[name] == read_back[name], (region, name)
    # 100.50 + 200.50 + … + 500.50 with January corrected from 100.50 to 999.99
    assert rpc(container, "indicators", "KZ-27", 2025)["own_revenue_kzt"] == "2401.99"
