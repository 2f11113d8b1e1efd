"""Streaming bulk import (CSV and Fiscal Data Package) and the OFDP writer."""
import io
import json
import tracemalloc
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.budgets.domain.lines import natural_key, validate_revenue_line
from services.budgets.domain.ofdp import CSV_COLUMNS, datapackage_descriptor, ofdp_rows, write_ofdp_csv
from services.budgets.imports.parsers import CSV_HEADER, RowErrors, parse_ofdp, parse_revenue_csv
from services.common.csv_rows import is_row_error
from services.common.errors import ValidationFailed

HEADER = ",".join(CSV_HEADER) + "\n"
GOOD = "KZ-61,rural_district,Karabulak rural okrug,2025,M01,104302,executed,125000.50\n"
CREATED = datetime(2026, 2, 1, tzinfo=timezone.utc)


def parse_text(text):
    return list(parse_revenue_csv(io.StringIO(text)))


def test_csv_rows_parse_with_per_row_errors_and_row_numbers():
    text = (HEADER + GOOD
            + "KZ-61,oblast,,2025,Q1,101202,approved,1000\n"
            + "\n"                                                   # blank line: skipped
            + "KZ-61,oblast,,2025,Q1,109999,approved,12.345\n"      # two bad fields
            + "KZ-61,oblast,,2025,M13,101202,executed,NaN\n"
            + "KZ-61,oblast,,2025,Y,101202\n"                        # short row
            + "KZ-75,city_republican,,2026,Y,105430,planned,abc\n"
            + "KZ-61,district,,2025,Y,104102,executed,10.00\n")       # district missing
    results = parse_text(text)
    assert [n for n, _ in results] == [2, 3, 5, 6, 7, 8, 9]
    ok = [r for _, r in results if not is_row_error(r)]
    assert [line["amount_kzt"] for line in ok] == [Decimal("125000.50"), Decimal("1000.00")]
    assert ok[1]["district"] is None
    errors = {n: r for n, r in results if is_row_error(r)}
    assert set(errors[5]) == {"ebk_code", "amount_kzt"}
    assert errors[5]["amount_kzt"] == ["at most 2 decimal places"]
    assert set(errors[6]) == {"period", "amount_kzt"}
    assert errors[7] == {"_row": ["expected 8 fields, got 6"]}
    assert errors[8] == {"amount_kzt": ["not a decimal number"]}
    assert errors[9] == {"district": ["required for the district level"]}
    assert all(isinstance(e, RowErrors) for e in errors.values())


def test_csv_header_may_be_reordered_and_carry_extra_columns():
    text = ("amount_kzt,phase,ebk_code,period,fiscal_year,district,budget_level,region_code,note\n"
            "\ufeff10.00,executed,104402,Y,2025,,oblast,KZ-61,comment\n")
    [(row, line)] = parse_text("\ufeff" + text.replace("\ufeff", ""))
    assert row == 2 and line["ebk_code"] == "104402" and line["amount_kzt"] == Decimal("10.00")


@pytest.mark.parametrize("text, reason", [
    ("", "no header"), ("region_code,budget_level\n", "missing columns"),
    (HEADER.strip() + ",phase\n", "duplicate columns")])
def test_bad_header_fails_the_whole_file(text, reason):
    with pytest.raises(ValidationFailed) as exc:
        parse_text(text)
    assert reason in exc.value.details["header"][0]


def test_quoted_district_with_comma_and_newline():
    text = HEADER + '"KZ-61","rural_district","Karabulak, Sairam\ndistrict",2025,Y,104302,executed,5\n'
    [(row, line)] = parse_text(text)
    assert row == 3  # last physical line of the record
    assert line["district"] == "Karabulak, Sairam district"


class CountingLines:
    """A text source that counts how many lines the parser pulled."""

    def __init__(self, rows):
        self.rows, self.pulled = rows, 0

    def __iter__(self):
        yield HEADER
        self.pulled += 1
        for i in range(self.rows):
            self.pulled += 1
            month = f"M{i % 12 + 1:02d}"
            yield f"KZ-61,oblast,,2025,{month},101202,executed,{i}.25\n"


def test_parser_is_lazy():
    source = CountingLines(1_000_000)
    results = parse_revenue_csv(source)
    first = [next(results) for _ in range(3)]
    assert [n for n, _ in first] == [2, 3, 4]
    assert source.pulled <= 5  # a million-row file was not read to get three rows


def _peak_memory(rows):
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_revenue_csv(CountingLines(rows)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows
    return peak


def test_memory_stays_flat_as_the_file_grows():
    small, large = _peak_memory(2_000), _peak_memory(40_000)
    assert large < small + 64 * 1024, (small, large)  # 20x the rows, no growth beyond noise


# --- Fiscal Data Package ------------------------------------------------------------------------

def sample_lines():
    base = {"region_code": "KZ-61", "budget_level": "district", "district": "Sairam district",
            "fiscal_year": 2025, "ebk_code": "104302"}
    raw = [dict(base, period="Y", phase="planned", amount_kzt="900.00"),
           dict(base, period="Y", phase="approved", amount_kzt="1000.00"),
           dict(base, period="Y", phase="executed", amount_kzt="1010.10"),
           dict(base, period="Q1", phase="executed", amount_kzt="200.00"),
           dict(base, budget_level="oblast", district=None, period="M02", phase="executed",
                ebk_code="402103", amount_kzt="5000.00")]
    return [validate_revenue_line(r) for r in raw]


def export(lines):
    out = io.StringIO()
    rows = write_ofdp_csv(lines, out)
    descriptor = datapackage_descriptor(fiscal_years=[2025], region_codes=["KZ-61"],
                                        created_at=CREATED)
    return rows, out.getvalue(), descriptor


def test_descriptor_follows_the_fiscal_data_package_model():
    _, _, descriptor = export(sample_lines())
    assert descriptor["fiscalPeriod"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert descriptor["countryCode"] == "KZ"
    [resource] = descriptor["resources"]
    assert [f["name"] for f in resource["schema"]["fields"]] == list(CSV_COLUMNS)
    assert resource["format"] == "csv" and resource["path"].endswith(".csv")
    measures = descriptor["model"]["measures"]
    assert {m["phase"] for m in measures.values()} == {"proposed", "approved", "executed"}
    assert all(m["currency"] == "KZT" and m["direction"] == "revenue" for m in measures.values())
    assert all(m["source"] in CSV_COLUMNS for m in measures.values())
    dimensions = descriptor["model"]["dimensions"]
    assert dimensions["revenue-classification"]["dimensionType"] == "classification"
    assert dimensions["date"]["dimensionType"] == "datetime"
    for dimension in dimensions.values():
        assert set(dimension["primaryKey"]) <= set(dimension["attributes"])
        assert all(a["source"] in CSV_COLUMNS for a in dimension["attributes"].values())
    json.dumps(descriptor)


def test_csv_rows_are_wide_one_per_budget_period_and_code():
    rows = list(ofdp_rows(sample_lines()))
    assert len(rows) == 3
    yearly = next(r for r in rows if r["period"] == "Y")
    assert (yearly["amount_planned"], yearly["amount_approved"], yearly["amount_executed"]) == \
        ("900.00", "1000.00", "1010.10")
    assert yearly["category_name"] == "Tax revenue"
    assert (yearly["period_start"], yearly["period_end"]) == ("2025-01-01", "2025-12-31")
    quarter = next(r for r in rows if r["period"] == "Q1")
    assert quarter["amount_planned"] == "" and quarter["period_end"] == "2025-03-31"
    feb = next(r for r in rows if r["period"] == "M02")
    assert feb["period_end"] == "2025-02-28" and feb["district"] == ""


def test_package_round_trips_through_the_importer():
    lines = sample_lines()
    count, csv_text, descriptor = export(lines)
    assert count == 3
    opened = []
    results = list(parse_ofdp(descriptor, lambda path: opened.append(path) or io.StringIO(csv_text)))
    assert opened == [descriptor["resources"][0]["path"]]
    parsed = [r for _, r in results]
    assert not any(is_row_error(r) for r in parsed)
    assert sorted((natural_key(r), r["amount_kzt"]) for r in parsed) == \
        sorted((natural_key(r), r["amount_kzt"]) for r in lines)


def test_package_rows_report_errors_under_the_measure_column():
    _, csv_text, descriptor = export(sample_lines())
    broken = csv_text.replace("1010.10", "10.101").replace("402103", "402109")
    results = list(parse_ofdp(descriptor, lambda _: io.StringIO(broken)))
    errors = [(n, r) for n, r in results if is_row_error(r)]
    assert len(errors) == 2
    assert {field for _, e in errors for field in e} == {"amount_executed", "ebk_code"}
    assert len([r for _, r in results if not is_row_error(r)]) == 1  # the Q1 row


def test_row_without_amounts_is_an_error():
    _, csv_text, descriptor = export(sample_lines()[3:4])
    emptied = csv_text.replace("200.00", "")
    [(row, errors)] = list(parse_ofdp(descriptor, lambda _: io.StringIO(emptied)))
    assert row == 2 and errors == {"amount": ["no amount in any measure column"]}


def test_long_package_with_a_phase_column_and_constants():
    descriptor = {
        "name": "akimat-export", "resources": [{"name": "r", "path": "r.csv"}],
        "model": {"measures": {"amount": {"source": "sum", "currency": "KZT"}},
                  "dimensions": {
                      "where": {"attributes": {"region_code": {"constant": "KZ-75"},
                                               "budget_level": {"constant": "city_republican"}}},
                      "when": {"attributes": {"fiscal_year": {"source": "year"},
                                              "period": {"source": "month"}}},
                      "what": {"attributes": {"ebk_code": {"source": "code"},
                                              "phase": {"source": "stage"}}}}}}
    text = "year,month,code,stage,sum\n2026,M01,105430,executed,77.70\n2026,M01,105430,draft,1\n"
    results = list(parse_ofdp(descriptor, lambda _: io.StringIO(text)))
    assert results[0][1]["region_code"] == "KZ-75"
    assert results[0][1]["amount_kzt"] == Decimal("77.70")
    assert is_row_error(results[1][1]) and "phase" in results[1][1]


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["model"]["measures"]["amount_executed"].update(currency="USD"),
     "model.measures.amount_executed"),
    (lambda d: d["model"]["measures"]["amount_planned"].update(direction="expenditure"),
     "model.measures.amount_planned"),
    (lambda d: d["model"]["measures"]["amount_planned"].update(phase="guessed"),
     "model.measures.amount_planned"),
    (lambda d: d["model"]["dimensions"].pop("revenue-classification"), "model.dimensions"),
    (lambda d: d.pop("resources"), "resources"),
    (lambda d: d.pop("model"), "model"),
])
def test_unusable_descriptors_are_refused(mutate, field):
    _, csv_text, descriptor = export(sample_lines())
    mutate(descriptor)
    with pytest.raises(ValidationFailed) as exc:
        list(parse_ofdp(descriptor, lambda _: io.StringIO(csv_text)))
    assert field in exc.value.details


def test_descriptor_may_be_given_as_json_text():
    lines = sample_lines()
    _, csv_text, descriptor = export(lines)
    parsed = list(parse_ofdp(json.dumps(descriptor), lambda _: io.StringIO(csv_text)))
    assert len(parsed) == len(lines)
    with pytest.raises(ValidationFailed) as exc:
        list(parse_ofdp("{not json", lambda _: io.StringIO(csv_text)))
    assert "datapackage" in exc.value.details
