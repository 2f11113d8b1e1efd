"""Parsing and checking of single input values for the investment rules.

Each parser takes the raw value, the field path used in error details (dotted, e.g.
``investor.bin``, ``financing_sources.0.amount_kzt``: the same paths
``services.common.loading.load`` produces from marshmallow errors), and the ``problems`` dict it
appends reasons to. It returns the normalised value, or None when the value was refused, so a
caller collects every bad field before raising once.
"""
import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from services.common import clock
from services.common.errors import require
from services.common.money import AmountError, parse_amount
from services.investments.contract import limits

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def iso(value) -> str | None:
    return None if value is None else value.isoformat()


def check_now(now: datetime) -> datetime:
    """Commands take the clock as a parameter; a naive datetime is a caller bug, not user input."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise TypeError("now must be a timezone-aware datetime")
    return now.astimezone(timezone.utc)


def local_today(now: datetime, config=None) -> date:
    """The civil day (UTC+5, :mod:`services.common.clock`) at ``now``."""
    return clock.civil_date(check_now(now))


def _decimal(raw, field: str, problems: dict) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        require(False, field, "must be a decimal number", problems)
        return None
    if isinstance(raw, float):
        require(False, field, "must be a decimal string, not a binary float", problems)
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            require(False, field, "not a decimal number", problems)
            return None
    else:
        require(False, field, "must be a decimal number", problems)
        return None
    if not value.is_finite():
        require(False, field, "must be a finite number", problems)
        return None
    return value


def parse_money(raw, field: str, problems: dict, config, *, positive: bool = False
                ) -> Decimal | None:
    """A KZT (or USD) amount (``services.common.money.parse_amount``), bounded by
    ``config.max_amount_kzt``; ``positive``: above zero."""
    try:
        value = parse_amount(raw)
    except AmountError as exc:
        require(False, field, str(exc), problems)
        return None
    if positive and value <= 0:
        require(False, field, "must be positive", problems)
        return None
    if value > config.max_amount_kzt:
        require(False, field, f"must not exceed {config.max_amount_kzt}", problems)
        return None
    return value


def parse_rate(raw, field: str, problems: dict, config) -> Decimal | None:
    """An exchange rate (KZT per unit of foreign currency): positive, bounded, few decimals."""
    value = _decimal(raw, field, problems)
    if value is None:
        return None
    if value.as_tuple().exponent < -limits.EXCHANGE_RATE_PLACES:
        require(False, field, f"at most {limits.EXCHANGE_RATE_PLACES} decimal places", problems)
        return None
    if value <= 0:
        require(False, field, "must be positive", problems)
        return None
    if value > limits.MAX_EXCHANGE_RATE:
        require(False, field, f"must not exceed {limits.MAX_EXCHANGE_RATE}", problems)
        return None
    return value


def parse_count(raw, field: str, problems: dict, config) -> int | None:
    """A head count (jobs): a whole number between 0 and ``limits.MAX_JOBS``."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        require(False, field, "must be a whole number", problems)
        return None
    if raw < 0:
        require(False, field, "must not be negative", problems)
        return None
    if raw > limits.MAX_JOBS:
        require(False, field, f"must not exceed {limits.MAX_JOBS}", problems)
        return None
    return raw


def parse_version(raw, field: str, problems: dict) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        require(False, field, "must be a whole number of at least 1", problems)
        return None
    return raw


def parse_date(raw, field: str, problems: dict, config) -> date | None:
    """A calendar date from a ``date`` or an ISO ``YYYY-MM-DD`` string (not a datetime)."""
    if isinstance(raw, datetime):
        require(False, field, "must be a date without time", problems)
        return None
    if isinstance(raw, str):
        # exactly YYYY-MM-DD: date.fromisoformat alone also takes week dates such as 2025-W01-1
        try:
            raw = date.fromisoformat(raw.strip()) if _ISO_DATE.match(raw.strip()) else None
        except ValueError:
            raw = None
        if raw is None:
            require(False, field, "must be an ISO date YYYY-MM-DD", problems)
            return None
    if not isinstance(raw, date):
        require(False, field, "must be an ISO date YYYY-MM-DD", problems)
        return None
    if not limits.EARLIEST_DATE <= raw <= limits.LATEST_DATE:
        require(False, field,
                f"must be between {limits.EARLIEST_DATE.isoformat()} and "
                f"{limits.LATEST_DATE.isoformat()}", problems)
        return None
    return raw


def parse_text(raw, field: str, problems: dict, *, max_length: int, required: bool = True,
               single_line: bool = False) -> str | None:
    """Free text, stripped; ``required`` refuses blank text. Blank optional text becomes ``""``."""
    if not isinstance(raw, str):
        require(False, field, "must be text", problems)
        return None
    value = raw.strip()
    if required and not value:
        require(False, field, "must not be blank", problems)
        return None
    if len(value) > max_length:
        require(False, field, f"at most {max_length} characters", problems)
        return None
    if single_line and any(ch in value for ch in "\r\n\t"):
        require(False, field, "must be a single line", problems)
        return None
    return value


def parse_choice(raw, field: str, problems: dict, choices) -> str | None:
    if not isinstance(raw, str) or raw not in choices:
        require(False, field, f"must be one of: {', '.join(sorted(choices))}", problems)
        return None
    return raw
