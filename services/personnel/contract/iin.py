"""The format of an individual identification number (IIN, ИИН) of a person in Kazakhstan:
what the personnel RPC accepts and how it hides one (the rules that make IINs are in
``domain.iin``).

Layout: ``YYMMDD`` birth date · one century/sex digit · 4-digit serial · one check digit.
The century/sex digit is 1/2 for the 1800s, 3/4 for the 1900s, 5/6 for the 2000s; odd means male,
even female. The check digit is the weighted sum of the first 11 digits with weights 1..11 mod 11;
a result of 10 is recomputed with weights 3..11,1,2, and a second 10 means no valid IIN exists
for those 11 digits.
"""
from datetime import date

from services.common.errors import ValidationFailed

IIN_LENGTH = 12
MALE = "male"
FEMALE = "female"
SEXES = (MALE, FEMALE)

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# century/sex digit → (first year of the century, sex)
CENTURY_SEX_DIGITS = {
    1: (1800, MALE), 2: (1800, FEMALE),
    3: (1900, MALE), 4: (1900, FEMALE),
    5: (2000, MALE), 6: (2000, FEMALE),
}

# The reasons are distinct so a form can tell a typo from a wrong date or a made-up number.
REASON_FORMAT = "must be exactly 12 digits"
REASON_CENTURY = "invalid century/sex digit (7th digit must be 1-6)"
REASON_DATE = "invalid birth date in the first 6 digits"
REASON_NO_CHECK_DIGIT = "no valid check digit exists for this number"
REASON_CHECK_DIGIT = "check digit mismatch"


def iin_check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 leading digits, or None when both weightings give 10."""
    digits = [int(ch) for ch in first_eleven]
    check = sum(w * d for w, d in zip(FIRST_WEIGHTS, digits, strict=False)) % 11
    if check == 10:
        check = sum(w * d for w, d in zip(SECOND_WEIGHTS, digits, strict=False)) % 11
    return None if check == 10 else check


def _fail(reason: str) -> ValidationFailed:
    return ValidationFailed("invalid IIN", {"iin": [reason]})


def validate_iin(iin) -> tuple[date, str]:
    """Validate an IIN and return ``(birth_date, sex)``.

    Raises ``ValidationFailed({"iin": [reason]})`` with one of the ``REASON_*`` texts.
    """
    if not isinstance(iin, str) or len(iin) != IIN_LENGTH or not iin.isascii() or not iin.isdigit():
        raise _fail(REASON_FORMAT)
    century_sex = CENTURY_SEX_DIGITS.get(int(iin[6]))
    if century_sex is None:
        raise _fail(REASON_CENTURY)
    century, sex = century_sex
    try:
        birth_date = date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise _fail(REASON_DATE) from None
    expected = iin_check_digit(iin[:11])
    if expected is None:
        raise _fail(REASON_NO_CHECK_DIGIT)
    if expected != int(iin[11]):
        raise _fail(REASON_CHECK_DIGIT)
    return birth_date, sex


def mask_iin(iin: str | None) -> str | None:
    """Hide the whole number: ``"880101300123"`` → ``"************"``.

    Every part of an IIN narrows the search for the rest (the birth date and sex are in its first
    seven digits, the check digit ties the serial to them), so no part is kept, and the length is
    fixed so that not even a malformed value's length shows.
    """
    if iin is None:
        return None
    return "*" * IIN_LENGTH
