"""Rules of bulk import jobs: chunks joined back into lines, rows grouped, region scope, status."""
import io
import random
from datetime import datetime, timezone

import pytest

from services.budgets.imports.parsers import RowErrors, parse_revenue_csv
from services.budgets.imports.rules import check_chunk, new_import, rows, scoped, status_output
from services.common.csv_rows import error_entries, text_lines
from services.common.errors import ValidationFailed

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
TEXT = ("region_code,budget_level,district,fiscal_year,period,ebk_code,phase,amount_kzt\r\n"
        'KZ-61,rural_district,"Karabulak, Sairam\ndistrict",2025,M01,104302,executed,10.00\r\n'
        "KZ-61,oblast,,2025,M02,101202,executed,20.00\n"
        "KZ-10,oblast,,2025,Y,101202,approved,30.00")  # no line end at the very end


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50, 10_000])
def test_chunks_cut_anywhere_give_back_the_same_lines(size):
    chunks = [TEXT[i:i + size] for i in range(0, len(TEXT), size)]
    assert "".join(text_lines(chunks)) == TEXT
    assert list(text_lines(chunks)) == list(io.StringIO(TEXT, newline=""))


def test_parsed_rows_do_not_depend_on_where_chunks_were_cut():
    whole = list(parse_revenue_csv(text_lines([TEXT])))
    rng = random.Random(3)
    for _ in range(20):
        cuts = sorted(rng.sample(range(1, len(TEXT)), 5))
        chunks = [TEXT[a:b] for a, b in zip([0] + cuts, cuts + [len(TEXT)], strict=False)]
        assert list(parse_revenue_csv(text_lines(chunks))) == whole
    assert [row for row, _ in whole] == [3, 4, 5]  # the quoted newline spans lines 2-3


def test_a_line_without_end_is_handed_on_once_it_is_too_long():
    pieces = list(text_lines(["x" * 6, "y" * 6, "z\nok\n"], max_line_chars=10))
    assert pieces == ["x" * 6 + "y" * 6, "z\n", "ok\n"]


def test_region_scope_and_row_grouping():
    results = [(2, {"region_code": "KZ-61", "phase": "executed"}),
               (2, {"region_code": "KZ-61", "phase": "approved"}),
               (3, {"region_code": "KZ-10", "phase": "executed"}),
               (4, RowErrors({"period": ["bad"]})),
               (5, {"region_code": "KZ-61", "phase": "executed"}),
               (5, RowErrors({"amount_approved": ["not a decimal number"]}))]
    grouped = list(rows(scoped(results, ["KZ-61"])))
    assert [(row, len(lines), sorted(problems)) for row, lines, problems in grouped] == [
        (2, 2, []), (3, 0, ["region_code"]), (4, 0, ["period"]), (5, 0, ["amount_approved"])]
    assert list(scoped(results, None)) == results
    assert error_entries(4, {"period": ["bad", "worse"]}) == [
        {"row": 4, "field": "period", "reason": "bad"},
        {"row": 4, "field": "period", "reason": "worse"}]


def test_new_import_checks_everything_at_once():
    with pytest.raises(ValidationFailed) as exc:
        new_import("i", source_format="xml", mode="maybe", regions=["KZ-99"], now=NOW)
    assert set(exc.value.details) == {"format", "mode", "regions"}
    with pytest.raises(ValidationFailed) as exc:
        new_import("i", source_format="ofdp", mode="partial", datapackage={"resources": []},
                   now=NOW)
    assert "resources" in exc.value.details
    doc = new_import("i", source_format="csv", mode="partial", regions=["KZ-61"], now=NOW)
    status = status_output(doc)
    assert status["state"] == "receiving" and status["scope_regions"] == ["KZ-61"]
    assert status["created_at"] == NOW.isoformat() and status["done"] is False


@pytest.mark.parametrize("seq, text, field", [(-1, "a", "seq"), (True, "a", "seq"),
                                              (0, b"a", "text"), (0, "a" * 2_000_001, "text")])
def test_bad_chunks_are_refused(seq, text, field):
    with pytest.raises(ValidationFailed) as exc:
        check_chunk(seq, text)
    assert field in exc.value.details
