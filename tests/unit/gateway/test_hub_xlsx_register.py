"""The KATO classifier as an XLSX workbook: its first sheet read with the standard library, row by
row, and checked by the register's one CSV reader (same rules, same row numbers as a CSV file)."""
import io
import zipfile

import pytest

from services.common.errors import ValidationFailed
from services.gateway.hub import xlsx_sheet
from services.gateway.hub.settlements import parse_register_csv
from tests.support.xlsx import workbook

HEADER = ["te", "ab", "cd", "ef", "hij", "k", "kaz_name", "rus_name", "nn", "kind",
          "urban_population", "rural_population", "population_year", "population_source"]
SHARED = HEADER + ["Абай қ.", "г. Абай", "town", "35", "24", "10", "000", "BNS 2025"]


def test_a_workbook_reads_as_the_same_rows_a_csv_file_gives():
    rows = [HEADER,
            [352410000, "35", "24", "10", "000", 3, "Абай қ.", "г. Абай", 1, "town", 26000.0, 0,
             2025, "BNS 2025"],
            [352410100, ("inline", "35"), ("inline", "24"), ("inline", "10"), ("inline", "100"),
             4, None, ("inline", "с. Коксу"), 1, None, None, 800, 2025, "BNS 2025"]]
    data = workbook(rows, SHARED)
    lines = list(xlsx_sheet.csv_lines(xlsx_sheet.sheet_rows(data)))
    assert lines[1] == "352410000,35,24,10,000,3,Абай қ.,г. Абай,1,town,26000,0,2025,BNS 2025\n"
    assert lines[2] == "352410100,35,24,10,100,4,,с. Коксу,1,,,800,2025,BNS 2025\n"  # gaps kept
    from_xlsx = list(parse_register_csv(iter(lines)))
    csv_text = (",".join(HEADER) + "\n"
                "352410000,35,24,10,000,3,Абай қ.,г. Абай,1,town,26000,0,2025,BNS 2025\n"
                "352410100,35,24,10,100,4,,с. Коксу,1,,,800,2025,BNS 2025\n")
    assert from_xlsx == list(parse_register_csv(io.StringIO(csv_text)))
    assert from_xlsx[0][1]["kato"] == "352410000" and from_xlsx[0][1]["urban_population"] == 26000


@pytest.mark.parametrize("data, reason", [
    (b"te,ab\n1,2\n", "not an XLSX workbook"),
    (workbook([["te"]], ["te"]).replace(b"sheetData", b"sheetDat"), "damaged"),
])
def test_an_unreadable_workbook_is_refused_naming_the_file(data, reason):
    with pytest.raises(ValidationFailed) as caught:
        list(xlsx_sheet.sheet_rows(data))
    assert reason in caught.value.details["file"][0]


def test_a_part_that_inflates_too_far_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(xlsx_sheet, "MAX_PART_BYTES", 100)
    with pytest.raises(ValidationFailed) as caught:
        list(xlsx_sheet.sheet_rows(workbook([HEADER] * 20, SHARED)))
    assert "inflates" in caught.value.details["file"][0]


def test_a_row_without_its_trailing_empty_cells_is_padded_to_the_header():
    lines = list(xlsx_sheet.csv_lines(iter([["te", "ab", "kind"], ["1", "2"], ["1", "2", "3", "4"]])))
    assert lines == ["te,ab,kind\n", "1,2,\n", "1,2,3,4\n"]
