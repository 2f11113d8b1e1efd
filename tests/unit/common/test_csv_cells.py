"""Formula injection (issue #12 §6): every CSV the platform writes escapes a leading = + - @ TAB CR."""
import csv
import io
from decimal import Decimal

import pytest

from services.common.csv_cells import FORMULA_PREFIXES, safe_cell, safe_row

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_leading_formula_character_is_escaped(value):
    assert safe_cell(value) == "'" + value
    assert not safe_cell(value).startswith(FORMULA_PREFIXES)


@pytest.mark.parametrize("value, shown", [
    ("-1500.25", "-1500.25"), ("+7", "+7"), (Decimal("-3.10"), "-3.10"), (-4, "-4"),
    ("plain", "plain"), ("", ""), (None, ""), (True, "true"), ("a=b", "a=b")])
def test_numbers_and_plain_text_stay_as_they_are(value, shown):
    assert safe_cell(value) == shown


def test_a_row_is_escaped_cell_by_cell():
    assert safe_row(["=1", "ok", None]) == ["'=1", "ok", ""]
    assert safe_row({"a": "@x", "b": 2}) == {"a": "'@x", "b": "2"}


def _cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_ofdp_export_escapes_every_text_cell():
    from services.budgets.domain import ofdp
    out = io.StringIO()
    rows = [{column: "=cmd()" for column in ofdp.CSV_COLUMNS}]
    ofdp.write_rows(rows, out)
    assert all(not c.startswith(FORMULA_PREFIXES) for c in _cells(out.getvalue()))


def test_the_investments_export_escapes_text_even_when_it_looks_like_a_number():
    from datetime import datetime, timezone

    from services.investments.application.demo_data import example_project
    from services.investments.application.exports import CSV_COLUMNS, to_csv_rows
    from services.investments.domain import register_project
    project, _ = register_project(example_project(title="-1", district="@x"), project_id="p-1",
                                  now=datetime(2025, 9, 1, tzinfo=timezone.utc), by="u")
    row = dict(zip(CSV_COLUMNS, to_csv_rows([project])[1], strict=False))
    assert row["title"] == "'-1" and row["district"] == "'@x"
