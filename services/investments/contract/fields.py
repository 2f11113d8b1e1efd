"""Field types of the investments contract: decimal strings, bounded amounts, clean text, exact ISO
dates, BINs and code lists. The messages are the ones the domain's field readers give, so a
client reads the same reason whichever layer refused a value.
"""
import re

from marshmallow import ValidationError, fields, validate

from services.common.money import DECIMAL_STRING, Kzt
from services.investments.contract import limits
from services.investments.contract.identifiers import is_valid_bin


class DecimalIn(fields.Decimal):
    """A decimal given as a string (or an integer); a JSON float or a boolean is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", DECIMAL_STRING)
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (float, bool)):
            raise ValidationError("must be a decimal string, not a binary float")
        return super()._deserialize(value, attr, data, **kwargs)


def MoneyIn(*, positive: bool = False, **kwargs):  # noqa: N802 - a field factory reads like a field
    """An amount in KZT (``Kzt``: a decimal string, at most two places, not negative), bounded by
    ``limits.MAX_AMOUNT_KZT``; ``positive``: above zero."""
    bounds = [validate.Range(max=limits.MAX_AMOUNT_KZT,
                             error=f"must not exceed {limits.MAX_AMOUNT_KZT}")]
    if positive:
        bounds.insert(0, validate.Range(min=0, min_inclusive=False, error="must be positive"))
    return Kzt(validate=bounds, **kwargs)


def one_of(choices):
    return validate.OneOf(sorted(choices))


class Text(fields.Str):
    """Free text, stripped; blank refused unless ``blank``; ``single_line`` refuses line breaks
    and tabs (names, titles and codes end up in CSV cells and on one line of a report)."""

    def __init__(self, max_length: int, *, blank: bool = False, single_line: bool = False,
                 **kwargs):
        # the minimum documents "not blank" (blank text is refused before validators run)
        super().__init__(validate=validate.Length(min=0 if blank else 1, max=max_length,
                                                  error=f"at most {max_length} characters"),
                         **kwargs)
        self.blank, self.single_line = blank, single_line

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and not self.blank:
            raise ValidationError("must not be blank")
        if self.single_line and any(ch in text for ch in "\r\n\t"):
            raise ValidationError("must be a single line")
        return text


def text(max_length: int, *, required: bool = False, blank: bool = False,
          single_line: bool = True, **kwargs):
    return Text(max_length, required=required, blank=blank, single_line=single_line, **kwargs)


class ExternalRef(Text):
    """A project's identifier in the ministry's register: kept exactly as given, so no
    surrounding whitespace."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text != value:
            raise ValidationError("must not start or end with whitespace")
        return text


_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Day(fields.Date):
    """A calendar date, exactly ``YYYY-MM-DD`` (no week dates, no compact form), within
    ``limits.EARLIEST_DATE`` .. ``limits.LATEST_DATE``."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(
            min=limits.EARLIEST_DATE, max=limits.LATEST_DATE,
            error=f"must be between {limits.EARLIEST_DATE.isoformat()} and "
                  f"{limits.LATEST_DATE.isoformat()}"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _ISO_DAY.match(value.strip()):
            raise ValidationError("must be an ISO date YYYY-MM-DD")
        return super()._deserialize(value.strip(), attr, data, **kwargs)


def bin_number(value: str) -> None:
    if not is_valid_bin(value, verify_check_digit=False):
        raise ValidationError("must be 12 digits")
    if not is_valid_bin(value):
        raise ValidationError("check digit does not match")


def rate_places(value) -> None:
    if value.as_tuple().exponent < -limits.EXCHANGE_RATE_PLACES:
        raise ValidationError(f"at most {limits.EXCHANGE_RATE_PLACES} decimal places")


class CodeList(fields.Field):
    """One code, a comma-separated string or a list of codes (query parameters)."""

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("metadata", {
            "type": "string", "example": sorted(choices)[0],
            "description": "one code, or several separated by commas, of: "
                           + ", ".join(sorted(choices))})
        super().__init__(**kwargs)
        self.choices = frozenset(choices)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            values = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            values = [v.strip() for v in value]
        else:
            raise ValidationError("must be a code, a comma-separated list or a list of codes")
        if not values:
            raise ValidationError("must name at least one value")
        unknown = sorted(set(values) - self.choices)
        if unknown:
            raise ValidationError(f"unknown: {', '.join(unknown)}")
        return sorted(set(values))
