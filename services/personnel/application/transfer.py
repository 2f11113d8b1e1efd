"""Documents on the wire between ``regionctl seed`` and the service's ``load_seed`` RPC.

RPC carries JSON, and seed documents hold ``date``, ``datetime`` and ``Decimal`` values at any
depth, under keys no schema lists (history entries, extension records). Each such value travels as
a one-key tagged object, so a document comes back exactly as it left.
"""
from datetime import date, datetime
from decimal import Decimal

DATE, DATETIME, DECIMAL = "$date", "$datetime", "$decimal"


def to_wire(value):
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if isinstance(value, datetime):
        return {DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {DATE: value.isoformat()}
    if isinstance(value, Decimal):
        return {DECIMAL: str(value)}
    return value


def from_wire(value):
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, text), = value.items()
            if tag == DATETIME:
                return datetime.fromisoformat(text)
            if tag == DATE:
                return date.fromisoformat(text)
            if tag == DECIMAL:
                return Decimal(text)
        return {k: from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    return value
