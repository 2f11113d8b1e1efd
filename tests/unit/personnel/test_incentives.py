"""Incentives per rotation: kinds, exact KZT amounts, periods."""
from decimal import Decimal

import pytest

from services.common.errors import ValidationFailed
from services.personnel import domain as d


def valid(**overrides):
    base = {"kind": "housing_compensation", "amount_kzt": Decimal("150000"), "period_months": 12}
    base.update(overrides)
    return base


@pytest.mark.parametrize("amount, expected", [
    (Decimal("150000"), Decimal("150000.00")), ("99.5", Decimal("99.50")), (250000, Decimal("250000.00")),
    ("0.01", Decimal("0.01")),
])
def test_valid_amounts_are_quantized(amount, expected):
    result = d.validate_incentive(valid(amount_kzt=amount))
    assert result["amount_kzt"] == expected and str(result["amount_kzt"]) == str(expected)


@pytest.mark.parametrize("amount", [150000.0, "0.001", "-1", "0", "abc", None, True, Decimal("NaN"),
                                    Decimal("Infinity"), "100000000.01"])
def test_invalid_amounts(amount):
    with pytest.raises(ValidationFailed) as caught:
        d.validate_incentive(valid(amount_kzt=amount))
    assert list(caught.value.details) == ["amount_kzt"]


@pytest.mark.parametrize("field, value", [
    ("kind", "bonus"), ("period_months", 0), ("period_months", 37), ("period_months", "12"),
    ("period_months", True), ("description", "x" * 501),
])
def test_invalid_fields(field, value):
    with pytest.raises(ValidationFailed) as caught:
        d.validate_incentive(valid(**{field: value}))
    assert field in caught.value.details


def test_other_needs_a_description():
    with pytest.raises(ValidationFailed) as caught:
        d.validate_incentive(valid(kind="other"))
    assert "description" in caught.value.details
    assert d.validate_incentive(valid(kind="other", description=" language course "))["description"] == "language course"


def test_every_bad_field_is_reported_and_lists_are_indexed():
    with pytest.raises(ValidationFailed) as caught:
        d.validate_incentives([valid(), {"kind": "bonus", "amount_kzt": "-1", "period_months": 0}])
    assert set(caught.value.details) == {"incentives.1.kind", "incentives.1.amount_kzt",
                                         "incentives.1.period_months"}


def test_total_over_the_period_and_policy_kinds():
    assert d.incentive_total_kzt(d.validate_incentive(valid(amount_kzt="180000.50", period_months=24))) == \
        Decimal("4320012.00")
    settings = d.PersonnelSettings(incentive_kinds=("housing_compensation", "childcare"), max_incentive_period_months=48)
    assert d.validate_incentive(valid(kind="childcare", period_months=48), settings)["kind"] == "childcare"
    with pytest.raises(ValidationFailed):
        d.validate_incentive(valid(kind="relocation_allowance"), settings)
