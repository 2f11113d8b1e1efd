"""Revenue line rules: EBK codes, periods, amounts, budget levels, natural key, transfers."""
from decimal import Decimal

import pytest

from services.budgets.domain.ebk import EbkClassification, default_classification, load_classification
from services.budgets.domain.lines import (
    check_revenue_line,
    check_transfers,
    line_as_output,
    line_changed,
    natural_key,
    natural_key_id,
    validate_revenue_line,
    validate_transfers,
)
from services.budgets.domain.periods import PERIOD_CODES, ends_by, parse_period, period_problems
from services.common.errors import ValidationFailed
from services.common.money import AmountError, parse_amount, ratio


def raw_line(**overrides):
    line = {"region_code": "KZ-61", "budget_level": "rural_district",
            "district": "Karabulak rural okrug (Sairam district)", "fiscal_year": 2025,
            "period": "M03", "ebk_code": "104302", "phase": "executed", "amount_kzt": "125000.50"}
    line.update(overrides)
    return line


# --- EBK classification -------------------------------------------------------------------------

@pytest.mark.parametrize("code, name_part", [
    ("101202", "not taxed at source"), ("104102", "Property tax of individuals"),
    ("104302", "settlement land"), ("104401", "legal entities"), ("104402", "individuals"),
    ("105430", "advertising"),
])
def test_domain_codes_are_shipped_with_names(code, name_part):
    classification = default_classification()
    assert classification.level(code) == "specifics"
    assert name_part in classification.name(code)


def test_every_category_has_its_classes():
    classification = default_classification()
    assert classification.codes("category") == ["1", "2", "3", "4"]
    classes = classification.codes("class")
    for category in "1234":
        assert any(c.startswith(category) for c in classes), category
    assert {"101", "103", "104", "105", "201", "204", "301", "303", "401", "402"} <= set(classes)


def test_code_splits_into_category_class_subclass_specifics():
    parsed = default_classification().parse("104302")
    assert (parsed.category, parsed.class_code, parsed.subclass_code, parsed.specifics) == \
        (1, "104", "1043", "02")
    described = default_classification().describe("104302")
    assert described["category_name"] == "Tax revenue"
    assert described["class_name"] == "Taxes on property"


@pytest.mark.parametrize("raw, reason_part", [
    ("10430", "exactly 6 digits"), ("1043021", "exactly 6 digits"), ("abcdef", "exactly 6 digits"),
    ("10430a", "exactly 6 digits"), ("", "exactly 6 digits"), (104302, "6-digit string"),
    (None, "6-digit string"), ("504302", "unknown category 5"), ("004302", "unknown category 0"),
])
def test_malformed_codes_are_refused(raw, reason_part):
    problems = default_classification().problems(raw)
    assert len(problems) == 1 and reason_part in problems[0]
    with pytest.raises(ValueError):
        default_classification().parse(raw)


def test_unknown_code_names_its_known_parent():
    problems = default_classification().problems("104309")
    assert problems == ["unknown revenue code 104309 in the FY2025 classification "
                        "(class/subclass 1043 exists)"]
    assert "exists" not in default_classification().problems("109999")[0]


def test_classification_file_must_be_consistent(tmp_path):
    orphan = tmp_path / "orphan.csv"
    orphan.write_text("code,level,name\n1,category,Tax\n104302,specifics,Land tax\n")
    with pytest.raises(ValueError, match="without its parent"):
        load_classification(orphan)
    wrong_level = tmp_path / "level.csv"
    wrong_level.write_text("code,level,name\n1,category,Tax\n101,subclass,Income\n")
    with pytest.raises(ValueError, match="not a subclass"):
        load_classification(wrong_level)
    with pytest.raises(ValueError, match="twice"):
        EbkClassification([("1", "category", "a"), ("1", "category", "b")])


# --- periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", PERIOD_CODES)
def test_every_period_code_is_valid(code):
    assert period_problems(code) == []


@pytest.mark.parametrize("raw", ["M00", "M13", "M1", "m01", "Q0", "Q5", "y", "YEAR", "2025",
                                 "", None, 1])
def test_invalid_periods_are_refused(raw):
    assert period_problems(raw)
    with pytest.raises(ValueError):
        parse_period(raw)


@pytest.mark.parametrize("code, first, last, kind", [
    ("M01", 1, 1, "month"), ("M12", 12, 12, "month"), ("Q2", 4, 6, "quarter"),
    ("Q4", 10, 12, "quarter"), ("Y", 1, 12, "year")])
def test_period_spans(code, first, last, kind):
    period = parse_period(code)
    assert (period.first_month, period.last_month, period.kind) == (first, last, kind)


@pytest.mark.parametrize("code, as_of, expected", [
    ("M03", "Q1", True), ("M04", "Q1", False), ("Q2", "M06", True), ("Q2", "M05", False),
    ("Y", "M12", True), ("Y", "Q3", False), ("M12", "Y", True)])
def test_ends_by(code, as_of, expected):
    assert ends_by(code, as_of) is expected


# --- amounts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("125000.50", Decimal("125000.50")), ("7", Decimal("7.00")), (7, Decimal("7.00")),
    (Decimal("1.5"), Decimal("1.50")), (" 1 000.25 ", Decimal("1000.25")), ("0", Decimal("0.00"))])
def test_amounts_accepted(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw, reason_part", [
    (12.5, "float"), ("NaN", "finite"), ("Infinity", "finite"), ("abc", "not a decimal"),
    ("1.234", "2 decimal places"), ("-1.00", "negative"), (True, "decimal number"),
    (None, "decimal number"), ("", "empty"), ([1], "decimal number"), ("1,5", "not a decimal")])
def test_amounts_refused(raw, reason_part):
    with pytest.raises(AmountError, match=reason_part):
        parse_amount(raw)


@pytest.mark.parametrize("num, den, expected", [
    (1, 3, Decimal("0.3333")), (2, 3, Decimal("0.6667")), (1, 8, Decimal("0.1250")),
    (5, 0, None), (0, 5, Decimal("0.0000"))])
def test_ratio_rounds_half_up_to_four_places(num, den, expected):
    assert ratio(Decimal(num), Decimal(den)) == expected


# --- lines --------------------------------------------------------------------------------------

def test_valid_line_becomes_a_document():
    line = validate_revenue_line(raw_line(fiscal_year="2025", district="  Karabulak   okrug "))
    assert line["amount_kzt"] == Decimal("125000.50")
    assert line["fiscal_year"] == 2025
    assert line["district"] == "Karabulak okrug"
    assert line["ebk_category"] == 1


def test_every_bad_field_is_reported_at_once():
    line, problems = check_revenue_line(raw_line(
        region_code="KZ-99", budget_level="village", fiscal_year=2019, period="M13",
        ebk_code="999999", phase="forecast", amount_kzt=1.5))
    assert line is None
    assert set(problems) == {"region_code", "budget_level", "fiscal_year", "period", "ebk_code",
                             "phase", "amount_kzt"}
    assert problems["amount_kzt"] == ["must be a decimal string, not a binary float"]


@pytest.mark.parametrize("year, ok", [(2019, False), (2020, True), (2035, True), (2036, False),
                                      ("20x5", False), (True, False), (2025.0, False)])
def test_fiscal_year_bounds(year, ok):
    _, problems = check_revenue_line(raw_line(fiscal_year=year))
    assert ("fiscal_year" not in problems) is ok


@pytest.mark.parametrize("region, level, district, field", [
    ("KZ-61", "district", None, "district"),            # district budgets name the district
    ("KZ-61", "rural_district", "   ", "district"),     # blank is missing
    ("KZ-61", "oblast", "Sairam district", "district"),  # oblast has no district
    ("KZ-75", "oblast", None, "budget_level"),           # a city has no oblast budget
    ("KZ-61", "city_republican", None, "budget_level"),  # a region has no city budget
    ("KZ-75", "district", "Bostandyk district", "budget_level"),
])
def test_budget_level_and_district_rules(region, level, district, field):
    _, problems = check_revenue_line(raw_line(region_code=region, budget_level=level,
                                              district=district))
    assert field in problems


@pytest.mark.parametrize("region, level, district", [
    ("KZ-61", "oblast", None), ("KZ-75", "city_republican", None),
    ("KZ-61", "district", "Sairam district"), ("KZ-55", "district", "Ekibastuz")])
def test_allowed_levels(region, level, district):
    assert check_revenue_line(raw_line(region_code=region, budget_level=level,
                                       district=district))[1] == {}


def test_validate_raises_validation_failed_with_fields():
    with pytest.raises(ValidationFailed) as exc:
        validate_revenue_line(raw_line(ebk_code="10430"))
    assert list(exc.value.details) == ["ebk_code"]


def test_natural_key_and_upsert_comparison():
    line = validate_revenue_line(raw_line())
    assert natural_key(line) == ("KZ-61", "rural_district", "Karabulak rural okrug (Sairam district)",
                                 2025, "M03", "104302", "executed")
    oblast = validate_revenue_line(raw_line(budget_level="oblast", district=None))
    assert natural_key(oblast)[2] == ""
    assert natural_key_id(oblast) == "KZ-61|oblast||2025|M03|104302|executed"
    same_key_new_amount = validate_revenue_line(raw_line(amount_kzt="1.00"))
    assert natural_key(same_key_new_amount) == natural_key(line)
    assert line_changed(line, same_key_new_amount)
    assert not line_changed(line, validate_revenue_line(raw_line()))
    assert line_changed(None, line)
    assert line_as_output(line)["amount_kzt"] == "125000.50"


def test_transfers_validation():
    record = validate_transfers({"region_code": "KZ-61", "fiscal_year": 2026,
                                 "subventions_kzt": "950000000000.00", "earmarked_kzt": 5})
    assert record["withdrawals_kzt"] == Decimal("0.00")
    assert record["earmarked_kzt"] == Decimal("5.00")
    _, problems = check_transfers({"region_code": "KZ-00", "fiscal_year": 2040,
                                   "subventions_kzt": 1.0, "withdrawals_kzt": "-3"})
    assert set(problems) == {"region_code", "fiscal_year", "subventions_kzt", "withdrawals_kzt"}
