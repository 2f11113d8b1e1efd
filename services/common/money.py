"""Money and ratio arithmetic for every service: Decimal only, never float.

Amounts are KZT with at most two decimal places (tiyn); ratios are Decimal rounded to a configurable
number of places. Parsing is strict because the figures come from files and forms typed by people:
a float would already have lost precision before it reached us, so it is refused, not rounded.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marshmallow import ValidationError, fields

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class AmountError(ValueError):
    """The raw value is not an acceptable KZT amount; ``str(exc)`` is the reason for the user."""


def parse_amount(raw, *, allow_negative: bool = False) -> Decimal:
    """A KZT amount from a decimal string, an int or a Decimal, quantized to 0.01.

    Refused: floats (precision already lost), booleans, NaN / infinity, non-numeric text, more than
    two decimal places, and negatives unless ``allow_negative``.
    """
    if isinstance(raw, bool) or raw is None:
        raise AmountError("must be a decimal number given as a string")
    if isinstance(raw, float):
        raise AmountError("must be a decimal string, not a binary float")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            raise AmountError("must not be empty")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise AmountError("not a decimal number") from None
    else:
        raise AmountError("must be a decimal number given as a string")
    if not value.is_finite():
        raise AmountError("must be a finite number")
    if value.as_tuple().exponent < -2:
        raise AmountError("at most 2 decimal places")
    if value < 0 and not allow_negative:
        raise AmountError("must not be negative")
    return value.quantize(CENT)


def money(value) -> Decimal:
    """Quantize an already trusted Decimal (or int) to 0.01 KZT."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value) -> str:
    """The decimal-string form used in events and API output, e.g. ``"1250.00"``."""
    return str(money(value))


def ratio(numerator: Decimal, denominator: Decimal, places: int = 4) -> Decimal | None:
    """``numerator / denominator`` rounded half-up to ``places``; None when the denominator is 0."""
    if not denominator:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


def decimal_str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# How the OpenAPI document shows a decimal string (apispec reads field metadata).
DECIMAL_STRING = {"type": "string", "format": "decimal", "example": "1250000.00"}


class Kzt(fields.Field):
    """A KZT amount at the edge: a decimal string in and out, a ``Decimal`` (0.01) inside.

    A JSON number is refused (a binary float has already lost precision), as are more than two
    decimals and, unless ``allow_negative``, negatives; the reason is :class:`AmountError`'s."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("metadata", DECIMAL_STRING)
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_amount(value, allow_negative=self.allow_negative)
        except AmountError as exc:
            raise ValidationError(str(exc)) from None
