"""Individual identification numbers (IIN) in the personnel rules: validity and making valid ones
(the seed, the tests). The format itself (layout, check digit, reasons, masking) is published in
``contract.iin`` and re-exported here.
"""
from datetime import date

from services.common.errors import ValidationFailed
from services.personnel.contract.iin import (  # noqa: F401  (the format, re-exported)
    CENTURY_SEX_DIGITS,
    FEMALE,
    IIN_LENGTH,
    MALE,
    REASON_CENTURY,
    REASON_CHECK_DIGIT,
    REASON_DATE,
    REASON_FORMAT,
    REASON_NO_CHECK_DIGIT,
    SEXES,
    iin_check_digit,
    mask_iin,
    validate_iin,
)


def is_valid_iin(iin) -> bool:
    try:
        validate_iin(iin)
    except ValidationFailed:
        return False
    return True


def century_sex_digit(birth_date: date, sex: str) -> int:
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}")
    for digit, (century, digit_sex) in CENTURY_SEX_DIGITS.items():
        if century <= birth_date.year < century + 100 and digit_sex == sex:
            return digit
    raise ValueError("birth year must be between 1800 and 2099")


def make_iin(birth_date: date, sex: str, serial: int) -> str:
    """A valid IIN for a person born on ``birth_date`` of ``sex`` with the 4-digit ``serial``.

    About 1 serial in 121 gives 11 digits with no valid check digit; for those this raises
    ``ValueError`` and the caller takes the next serial (see ``iin_serials``).
    """
    if not 0 <= serial <= 9999:
        raise ValueError("serial must be 0..9999")
    first_eleven = f"{birth_date:%y%m%d}{century_sex_digit(birth_date, sex)}{serial:04d}"
    check = iin_check_digit(first_eleven)
    if check is None:
        raise ValueError(f"serial {serial} has no valid check digit for this birth date and sex")
    return first_eleven + str(check)


def first_valid_iin(birth_date: date, sex: str, serial: int) -> str:
    """``make_iin`` with the first serial from ``serial`` upwards (wrapping) that has a check digit."""
    for offset in range(10000):
        try:
            return make_iin(birth_date, sex, (serial + offset) % 10000)
        except ValueError:
            continue
    raise ValueError("no serial gives a valid IIN")  # unreachable: most serials are valid
