"""Between domain documents (Decimal, date) and what the store keeps.

FerretDB 1.x has no Decimal128, and sums and range queries over money must stay exact, so:
- a Decimal under a key ending in ``_kzt`` is money: stored as an integer number of tiyn
  (1/100 KZT, Int64), which sorts, sums and compares exactly on every MongoDB-wire server;
- any other Decimal (an exchange rate, a ratio) is stored as its string;
- a ``date`` is stored as midnight UTC of that day (BSON has no date-only type).
A repository names the keys to turn back into ``date`` and ``Decimal`` when reading.
"""
from datetime import date, datetime, time, timezone
from decimal import ROUND_HALF_EVEN, Decimal

from bson.int64 import Int64

MONEY_SUFFIX = "_kzt"
TIYN = Decimal("0.01")


def money_to_tiyn(amount: Decimal) -> Int64:
    return Int64(int((amount / TIYN).to_integral_value(rounding=ROUND_HALF_EVEN)))


def tiyn_to_money(tiyn: int) -> Decimal:
    return (Decimal(int(tiyn)) * TIYN).quantize(TIYN)


class DocumentCodec:
    def __init__(self, date_keys=(), decimal_keys=()):
        self.date_keys = frozenset(date_keys)
        self.decimal_keys = frozenset(decimal_keys)

    def encode(self, value, key: str = ""):
        if isinstance(value, dict):
            return {k: self.encode(v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.encode(v, key) for v in value]
        if isinstance(value, Decimal):
            return money_to_tiyn(value) if key.endswith(MONEY_SUFFIX) else str(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time(0), tzinfo=timezone.utc)
        return value

    def decode(self, value, key: str = ""):
        if isinstance(value, dict):
            # a document's storage revision (services.common.guarded) is not domain data
            return {k: self.decode(v, k) for k, v in value.items() if key or k != "_rev"}
        if isinstance(value, list):
            return [self.decode(v, key) for v in value]
        if key.endswith(MONEY_SUFFIX) and isinstance(value, int) and not isinstance(value, bool):
            return tiyn_to_money(value)
        if key in self.decimal_keys and isinstance(value, str):
            return Decimal(value)
        if key in self.date_keys and isinstance(value, datetime):
            return value.date()
        return value


IDENTITY = DocumentCodec()
