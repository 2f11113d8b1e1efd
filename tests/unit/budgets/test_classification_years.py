"""The revenue classification per fiscal year: FY2025 four categories, FY2026 special receipts as
category 4 and transfers as category 5; a transfer between two budgets of a region counted once."""
import csv
import io
from decimal import Decimal

import pytest

from services.budgets.domain.ebk import (
    QUALITIES,
    EbkClassification,
    EditionInfo,
    classification_for_year,
    default_editions,
    transfer_code,
)
from services.budgets.domain.indicators import IndicatorAccumulator, compute_indicators
from services.budgets.domain.lines import check_revenue_line
from services.budgets.domain.ofdp import write_ofdp_csv


def raw(year, code, amount="100.00", level="oblast", district=None, phase="executed"):
    return {"region_code": "KZ-61", "budget_level": level, "district": district,
            "fiscal_year": year, "period": "Y", "ebk_code": code, "phase": phase,
            "amount_kzt": amount}


def valid(*args, **kwargs):
    line, problems = check_revenue_line(raw(*args, **kwargs))
    assert problems == {}, problems
    return line


def test_each_fiscal_year_reads_its_own_edition():
    assert classification_for_year(2020).edition == classification_for_year(2025).edition == "FY2025"
    assert classification_for_year(2026).edition == classification_for_year(2035).edition == "FY2026"
    fy2025, fy2026 = classification_for_year(2025), classification_for_year(2026)
    assert fy2025.info.categories == {1: "tax", 2: "non_tax", 3: "capital_sales", 4: "transfers"}
    assert fy2026.info.categories[4] == "special_receipts"
    assert fy2026.info.categories[5] == "transfers"
    assert fy2026.name("4") == "Special receipts" and fy2026.name("5") == "Transfers received"


def test_a_2026_line_coded_the_2026_way_is_accepted():
    line = valid(2026, "502103")
    assert line["ebk_category"] == 5


def test_a_2026_line_coded_the_2025_way_is_refused_naming_the_field_and_the_code_to_use():
    line, problems = check_revenue_line(raw(2026, "402103"))
    assert line is None and set(problems) == {"ebk_code"}
    assert problems["ebk_code"] == [
        "402103 is the FY2025 code of 'Subventions from the republican budget'; fiscal year 2026 "
        "uses the FY2026 classification, where category 4 is special_receipts: use 502103"]


def test_a_2025_line_coded_the_2026_way_is_refused():
    _, problems = check_revenue_line(raw(2025, "502103"))
    assert "use 402103" in problems["ebk_code"][0]
    _, problems = check_revenue_line(raw(2025, "599999"))
    assert problems["ebk_code"] == [
        "unknown category 5: FY2020–FY2025 revenue categories are 1 tax, 2 non_tax, "
        "3 capital_sales, 4 transfers"]


@pytest.mark.parametrize("year, source, form, code", [
    (2025, "republican", "subvention", "402103"), (2025, "oblast", "subvention", "402203"),
    (2025, "district", "earmarked_current", "402301"), (2026, "republican", "subvention", "502103"),
    (2026, "oblast", "earmarked_development", "502202"), (2026, "district", "subvention", "502303")])
def test_transfer_sub_codes_republican_oblast_district_are_1_2_3(year, source, form, code):
    assert transfer_code(year, source, form) == code
    assert valid(year, code)["ebk_code"] == code


def test_class_107_other_taxes_is_known_in_both_editions():
    for year in (2025, 2026):
        edition = classification_for_year(year)
        assert edition.name("107") == "Other taxes"
        assert edition.kind_of("107109") == "tax"
        assert valid(year, "107109")["ebk_category"] == 1


def region_lines(year):
    """A region whose only outside money is a republican subvention of 1000 to the oblast; the
    oblast passes 300 on to a district, the district 50 to a rural district, and the district
    pays a 20 withdrawal up. Own revenue: 400 (oblast) + 100 (district)."""
    edition = classification_for_year(year)
    withdrawal = "401201" if year <= 2025 else "501201"
    return [
        valid(year, "101202", "400.00"),
        valid(year, "104302", "100.00", level="district", district="Sairam"),
        valid(year, edition.transfer_code("republican", "subvention"), "1000.00"),
        valid(year, edition.transfer_code("oblast", "subvention"), "300.00",
              level="district", district="Sairam"),
        valid(year, edition.transfer_code("district", "subvention"), "50.00",
              level="rural_district", district="Aksukent"),
        valid(year, withdrawal, "20.00"),
    ]


@pytest.mark.parametrize("year", [2025, 2026])
def test_consolidation_counts_a_transfer_between_levels_once(year):
    result = compute_indicators("KZ-61", year, region_lines(year), transfers=None,
                                population=None)
    assert result["own_revenue_kzt"] == Decimal("500.00")
    assert result["transfers_received_kzt"] == Decimal("1000.00")  # not 1000 + 300 + 50
    assert result["total_revenue_kzt"] == Decimal("1500.00")
    assert result["own_revenue_share"] == Decimal("0.3333")
    assert result["transfer_dependency"] == Decimal("0.6667")
    transfers_digit = "4" if year == 2025 else "5"
    assert result["by_category"][transfers_digit] == Decimal("1000.00")


def test_2026_by_category_has_five_categories_and_special_receipts_are_neither_own_nor_transfer():
    info = classification_for_year(2026).info
    rows = [(c, lv, n) for c in classification_for_year(2026).codes()
            for lv, n in [(classification_for_year(2026).level(c),
                           classification_for_year(2026).name(c))]]
    rows += [("401", "class", "Special receipts of a kind"), ("4011", "subclass", "Kind"),
             ("401101", "specifics", "A special receipt")]
    edition = EbkClassification(rows, info)
    accumulator = IndicatorAccumulator("KZ-61", 2026, classification=edition)
    for line in [raw(2026, "101202", "600.00"), raw(2026, "401101", "200.00"),
                 raw(2026, "502103", "200.00")]:
        accumulator.add(dict(line, amount_kzt=Decimal(line["amount_kzt"])))
    result = accumulator.result(transfers=None, population=None)
    assert set(result["by_category"]) == {"1", "2", "3", "4", "5"}
    assert result["own_revenue_kzt"] == Decimal("600.00")
    assert result["transfers_received_kzt"] == Decimal("200.00")
    assert result["total_revenue_kzt"] == Decimal("1000.00")
    assert result["own_revenue_share"] == Decimal("0.6000")


def test_ofdp_rows_name_the_category_of_the_lines_year():
    out = io.StringIO()
    write_ofdp_csv([valid(2025, "402103"), valid(2026, "502103")], out)
    rows = {r["fiscal_year"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert (rows["2025"]["ebk_category"], rows["2025"]["category_name"]) == ("4", "Transfers received")
    assert (rows["2026"]["ebk_category"], rows["2026"]["category_name"]) == ("5", "Transfers received")
    assert rows["2026"]["ebk_name"] == "Subventions from the republican budget"


def test_every_shipped_code_names_a_known_source_and_quality():
    editions = default_editions()
    assert editions.sources
    for edition in editions.editions:
        assert edition.info.source in editions.sources
        for code in edition.codes():
            provenance = edition.provenance(code)
            assert provenance["source"] in editions.sources, code
            assert provenance["quality"] in QUALITIES, code


def test_an_edition_must_name_every_category_and_editions_must_not_overlap(tmp_path):
    with pytest.raises(ValueError, match="no heading for categories"):
        EbkClassification([("1", "category", "Tax")], EditionInfo(categories={1: "tax", 2: "non_tax"}))
    from services.budgets.domain.ebk import EbkEditions
    a = EbkClassification([("1", "category", "Tax")],
                          EditionInfo("A", 2020, 2026, {1: "tax"}))
    b = EbkClassification([("1", "category", "Tax")], EditionInfo("B", 2026, None, {1: "tax"}))
    with pytest.raises(ValueError, match="overlap"):
        EbkEditions([a, b])


def test_a_confirmed_code_names_a_source_with_an_address_and_the_search_is_recorded():
    import json

    from services.budgets.domain.ebk import EDITIONS_FILE
    editions = default_editions()
    for edition in editions.editions:
        for code in edition.codes():
            provenance = edition.provenance(code)
            if provenance["quality"] == "confirmed":
                assert "http" in editions.sources[provenance["source"]], code
    manifest = json.loads(EDITIONS_FILE.read_text(encoding="utf-8"))
    assert manifest["verification"]["date"] and len(manifest["verification"]["queries"]) >= 10
    # order No. 163 approves the Rules of the classification: it is never cited as a code list
    assert "order-163" not in {edition.provenance(c)["source"] for edition in editions.editions
                               for c in edition.codes()}


def test_codes_read_on_the_egov_payment_code_list_are_confirmed_for_fy2025_only():
    fy2025, fy2026 = classification_for_year(2025), classification_for_year(2026)
    for code in ("101202", "104302", "104402", "303202"):
        assert fy2025.provenance(code) == {**fy2025.provenance(code), "source": "egov-bcc",
                                           "quality": "confirmed"}
        assert fy2026.provenance(code)["quality"] == "secondary"
    assert valid(2025, "303202")["ebk_category"] == 3
