"""Business identification numbers (BIN / IIN): twelve digits, the last a check digit.

Plain functions without imports, so the contract's schemas and the domain check BINs alike.
"""


def bin_check_digit(first_eleven: str) -> int | None:
    """Control digit of a 12-digit BIN / IIN, or None when the number cannot have one.

    Weights 1..11 modulo 11; a result of 10 is recomputed with weights 3..11, 1, 2; a second 10
    means no valid number starts with these eleven digits.
    """
    digits = [int(ch) for ch in first_eleven]
    for weights in (range(1, 12), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def is_valid_bin(value: str, *, verify_check_digit: bool = True) -> bool:
    if not isinstance(value, str) or len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    return not verify_check_digit or bin_check_digit(value[:11]) == int(value[11])
