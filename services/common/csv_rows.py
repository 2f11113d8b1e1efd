"""Streamed CSV imports with a per-row report, shared by every import the platform runs.

A file arrives as chunks of text (an HTTP body, staged import chunks); :func:`text_lines` joins
them back into lines without holding the file, :func:`read_header` and :func:`records` read one
record at a time, and a bad row becomes a :class:`RowErrors` that the report lists as
``{row, field, reason}`` entries. One bad row never stops the file. Row numbers are the file's
line numbers (the header is line 1), so they match what an editor shows.
"""
import csv
from collections.abc import Iterable, Iterator

from services.common.errors import ValidationFailed

MAX_LINE_CHARS = 1_000_000  # a "line" longer than this is cut (and reported bad)


class RowErrors(dict):
    """``{field: [reasons]}`` for one rejected row (a dict, told apart from a line by its type)."""


def is_row_error(result) -> bool:
    return isinstance(result, RowErrors)


def text_lines(chunks: Iterable[str], max_line_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Lines (with their ``\\n``) of the text the chunks make up, read one chunk at a time."""
    carry = ""
    for chunk in chunks:
        text = carry + chunk
        cut = text.rfind("\n")
        if cut < 0:
            carry = text
            if len(carry) > max_line_chars:  # no line end in sight: hand it on, it is bad anyway
                yield carry
                carry = ""
            continue
        for piece in text[:cut].split("\n"):
            yield piece + "\n"
        carry = text[cut + 1:]
    if carry:
        yield carry


def reader(lines: Iterable[str]):
    # csv needs lines that keep their endings only for quoted newlines; both forms work here.
    return csv.reader(lines, strict=True)


def read_header(csv_reader, required: Iterable[str], *, fold_case: bool = False) -> dict[str, int]:
    """``{column: index}`` of the header line; a missing or duplicate column refuses the file.

    Unnamed columns are allowed (and ignored); ``fold_case`` compares names in lower case. The
    last column's index + 1 is the header's width, which every record must have."""
    try:
        header = next(csv_reader)
    except StopIteration:
        raise ValidationFailed("empty file", {"header": ["the file has no header line"]}) from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    if fold_case:
        names = [name.lower() for name in names]
    missing = [name for name in required if name not in names]
    if missing:
        raise ValidationFailed("bad header", {"header": [f"missing columns: {', '.join(missing)}"]})
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        raise ValidationFailed("bad header",
                               {"header": [f"duplicate columns: {', '.join(duplicates)}"]})
    return {name: i for i, name in enumerate(names)}


def records(csv_reader, width: int) -> Iterator[tuple[int, list[str] | RowErrors]]:
    """``(row_number, cells)`` per non-blank record, or a :class:`RowErrors` for a bad one."""
    while True:
        try:
            record = next(csv_reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield csv_reader.line_num, RowErrors({"_row": [f"unreadable CSV: {exc}"]})
            continue
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line
        if len(record) != width:
            yield csv_reader.line_num, RowErrors(
                {"_row": [f"expected {width} fields, got {len(record)}"]})
            continue
        yield csv_reader.line_num, record


def cell(record: list[str], index: int) -> str | None:
    value = record[index].strip()
    return value or None


def error_entries(row: int, problems: dict) -> list[dict]:
    """The report's entries for one bad row."""
    return [{"row": row, "field": field, "reason": reason}
            for field, reasons in problems.items() for reason in reasons]


def file_error(exc: ValidationFailed) -> list[dict]:
    """Row-1 entries for a file that cannot be read at all (bad header, bad package)."""
    return [{"row": 1, "field": field, "reason": reason}
            for field, reasons in exc.details.items()
            for reason in (reasons if isinstance(reasons, list) else [str(reasons)])]
