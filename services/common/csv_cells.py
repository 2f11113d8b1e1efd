"""Cells of every CSV the platform writes, safe to open in a spreadsheet (CWE-1236).

A cell that starts with ``= + - @``, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets; such a cell gets a leading apostrophe, which they show as text.
A plain number (``-1500.25``, ``+7``) cannot be a formula and stays as it is, so negative amounts
in the open-data files still read as numbers; a free-text column asks ``numbers_ok=False``.
"""
import re
from decimal import Decimal
from typing import Any, Mapping, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def safe_cell(value: Any, *, numbers_ok: bool = True) -> str:
    """``value`` as CSV cell text that no spreadsheet evaluates."""
    text = cell_text(value)
    if not text.startswith(FORMULA_PREFIXES):
        return text
    if numbers_ok and (isinstance(value, (int, float, Decimal)) or _PLAIN_NUMBER.fullmatch(text)):
        return text
    return "'" + text


def safe_row(row: Sequence | Mapping) -> list[str] | dict[str, str]:
    """Every cell of a row (a list, or a dict for ``csv.DictWriter``) through ``safe_cell``."""
    if isinstance(row, Mapping):
        return {key: safe_cell(value) for key, value in row.items()}
    return [safe_cell(value) for value in row]
