from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from bson import BSON
from bson.int64 import Int64

from services.common.codec import DocumentCodec, money_to_tiyn, tiyn_to_money

CODEC = DocumentCodec(date_keys={"planned_start", "date"}, decimal_keys={"rate"})


@pytest.mark.parametrize("amount,tiyn", [
    (Decimal("0.00"), 0), (Decimal("0.01"), 1), (Decimal("1250000.50"), 125000050),
    (Decimal("9999999999999.99"), 999999999999999), (Decimal("-3.10"), -310)])
def test_money_is_stored_as_exact_integer_tiyn(amount, tiyn):
    stored = money_to_tiyn(amount)
    assert isinstance(stored, Int64) and stored == tiyn
    assert tiyn_to_money(stored) == amount


def test_documents_round_trip_through_bson_exactly():
    doc = {"cost_kzt": Decimal("15177519996.49"), "rate": Decimal("504.25"),
           "planned_start": date(2026, 3, 1), "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
           "nested": [{"amount_kzt": Decimal("1.10"), "date": date(2025, 12, 31)}],
           "name": "x", "count": 3, "flag": True}
    stored = CODEC.encode(doc)
    assert stored["cost_kzt"] == 1517751999649 and stored["rate"] == "504.25"
    assert stored["planned_start"] == datetime(2026, 3, 1, tzinfo=timezone.utc)
    raw = BSON.encode(stored)  # the store accepts it: no Decimal or date left
    decoded = CODEC.decode(BSON(raw).decode())
    assert decoded["cost_kzt"] == doc["cost_kzt"] and decoded["rate"] == doc["rate"]
    assert decoded["planned_start"] == doc["planned_start"]
    assert decoded["nested"][0] == {"amount_kzt": Decimal("1.10"), "date": date(2025, 12, 31)}
    assert decoded["count"] == 3 and decoded["flag"] is True and decoded["name"] == "x"


def test_booleans_and_unlisted_keys_are_left_alone():
    assert CODEC.decode({"jobs_kzt": True})["jobs_kzt"] is True
    assert CODEC.decode({"other": "504.25"})["other"] == "504.25"
