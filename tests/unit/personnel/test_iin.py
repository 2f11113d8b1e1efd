"""IIN: layout, century/sex digit, both check-digit weightings, each distinct rejection reason."""
from datetime import date

import pytest

from services.common.errors import ValidationFailed
from services.personnel.domain.iin import (
    REASON_CENTURY,
    REASON_CHECK_DIGIT,
    REASON_DATE,
    REASON_FORMAT,
    REASON_NO_CHECK_DIGIT,
    first_valid_iin,
    iin_check_digit,
    is_valid_iin,
    make_iin,
    mask_iin,
    validate_iin,
)


def reason_of(iin) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_iin(iin)
    assert set(caught.value.details) == {"iin"}
    return caught.value.details["iin"]


def test_example_needing_the_second_weighting_is_valid():
    # 8,8,0,1,0,1,3,0,0,1,2 · 1..11 = 87 ≡ 10 (mod 11) → second weights 3..11,1,2: 102 ≡ 3
    assert validate_iin("880101300123") == (date(1988, 1, 1), "male")


def test_example_with_first_weighting_is_valid():
    # 9,0,0,5,1,2,4,0,0,0,1 · 1..11 = 85 ≡ 8 (mod 11)
    assert validate_iin("900512400018") == (date(1990, 5, 12), "female")


@pytest.mark.parametrize("digit, born, sex", [
    (1, date(1899, 12, 31), "male"), (2, date(1850, 6, 1), "female"),
    (3, date(1900, 1, 1), "male"), (4, date(1988, 2, 29), "female"),
    (5, date(2000, 2, 29), "male"), (6, date(2012, 7, 15), "female"),
])
def test_century_and_sex_digit_round_trip(digit, born, sex):
    iin = first_valid_iin(born, sex, 123)
    assert iin[6] == str(digit)
    assert iin[:6] == born.strftime("%y%m%d")
    assert validate_iin(iin) == (born, sex)


@pytest.mark.parametrize("bad", [
    "", "88010130012", "8801013001234", "88010130012a", "880101 00123", "８８０１０１３００１２３",
    None, 880101300123, "+88010130012",
])
def test_not_twelve_digits(bad):
    assert reason_of(bad) == [REASON_FORMAT]


@pytest.mark.parametrize("digit", "0789")
def test_bad_century_digit(digit):
    assert reason_of(f"880101{digit}00123") == [REASON_CENTURY]


@pytest.mark.parametrize("first_six, century_digit", [
    ("881301", "3"),  # month 13
    ("880230", "3"),  # 30 February
    ("000229", "3"),  # 1900 was not a leap year
    ("880100", "3"),  # day 0
    ("880431", "5"),  # 31 April
])
def test_bad_birth_date(first_six, century_digit):
    assert reason_of(f"{first_six}{century_digit}00123") == [REASON_DATE]


def test_leap_day_of_2000_is_a_date():
    born, sex = validate_iin(first_valid_iin(date(2000, 2, 29), "male", 1))
    assert born == date(2000, 2, 29) and sex == "male"


def test_check_digit_mismatch():
    assert reason_of("880101300124") == [REASON_CHECK_DIGIT]
    assert reason_of("900512400019") == [REASON_CHECK_DIGIT]


def _eleven_digits_without_check_digit() -> str:
    for serial in range(10000):
        first_eleven = f"8801013{serial:04d}"
        if iin_check_digit(first_eleven) is None:
            return first_eleven
    raise AssertionError("expected some serial to have no check digit")


def test_number_with_no_possible_check_digit_is_invalid_whatever_the_last_digit():
    first_eleven = _eleven_digits_without_check_digit()
    for last in "0123456789":
        assert reason_of(first_eleven + last) == [REASON_NO_CHECK_DIGIT]


def test_make_iin_refuses_a_serial_without_check_digit_and_first_valid_skips_it():
    first_eleven = _eleven_digits_without_check_digit()
    serial = int(first_eleven[7:])
    with pytest.raises(ValueError):
        make_iin(date(1988, 1, 1), "male", serial)
    iin = first_valid_iin(date(1988, 1, 1), "male", serial)
    assert int(iin[7:11]) != serial and is_valid_iin(iin)


def test_reasons_are_distinct():
    assert len({REASON_FORMAT, REASON_CENTURY, REASON_DATE, REASON_CHECK_DIGIT,
                REASON_NO_CHECK_DIGIT}) == 5


def test_make_iin_over_many_serials_is_always_valid_and_distinct():
    made = set()
    for serial in range(0, 10000, 37):
        try:
            iin = make_iin(date(1979, 11, 3), "female", serial)
        except ValueError:
            continue
        assert validate_iin(iin) == (date(1979, 11, 3), "female")
        made.add(iin)
    assert len(made) > 250


@pytest.mark.parametrize("born, sex, serial", [
    (date(1799, 12, 31), "male", 1), (date(2100, 1, 1), "female", 1),
    (date(1990, 1, 1), "other", 1), (date(1990, 1, 1), "male", 10000), (date(1990, 1, 1), "male", -1),
])
def test_make_iin_refuses_impossible_input(born, sex, serial):
    with pytest.raises(ValueError):
        make_iin(born, sex, serial)


@pytest.mark.parametrize("raw, masked", [
    ("880101300123", "************"), (None, None), ("12345", "************"),
    ("", "************"),
])
def test_mask_iin(raw, masked):
    assert mask_iin(raw) == masked
