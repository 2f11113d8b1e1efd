"""The first worksheet of an XLSX workbook as CSV lines, with the standard library only.

The Bureau publishes the KATO classifier as CSV or XLSX. An XLSX file is a zip of XML parts: the
worksheet's cells refer to a shared-strings table by index (or carry inline strings and numbers).
The worksheet is read with ``iterparse``, one row at a time, each element cleared once read, and
handed on as CSV text, so the register's one CSV reader (``settlements.parse_register_csv``) checks
every row with the same rules and row numbers whatever the format.

Bounds: the request body is capped by the edge (1 MiB); a part that inflates beyond
``MAX_PART_BYTES`` is refused before it is read (a zip bomb answers 400, not a full memory).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Iterator
from xml.etree.ElementTree import ParseError, iterparse

from services.common.errors import ValidationFailed

MAX_PART_BYTES = 64 * 1024 * 1024
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_COLUMN = re.compile(r"^([A-Z]+)")


def _refuse(reason: str) -> ValidationFailed:
    return ValidationFailed("the XLSX file cannot be read", {"file": [reason]})


def _part(archive: zipfile.ZipFile, name: str):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _refuse(f"the workbook has no part {name}") from None
    if info.file_size > MAX_PART_BYTES:
        raise _refuse(f"{name} inflates to {info.file_size} bytes (at most {MAX_PART_BYTES})")
    return archive.open(info)


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{MAIN}t"))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    for _, element in iterparse(_part(archive, "xl/sharedStrings.xml")):
        if element.tag == f"{MAIN}si":
            strings.append(_text(element))
            element.clear()
    return strings


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The part of the workbook's first sheet (by the workbook's order, through its relations)."""
    try:
        first = next(el for _, el in iterparse(_part(archive, "xl/workbook.xml"))
                     if el.tag == f"{MAIN}sheet")
    except StopIteration:
        raise _refuse("the workbook has no sheet") from None
    rel_id = first.get(f"{REL}id")
    for _, el in iterparse(_part(archive, "xl/_rels/workbook.xml.rels")):
        if el.tag == f"{PKG_REL}Relationship" and el.get("Id") == rel_id:
            target = el.get("Target", "").lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    raise _refuse("the workbook's first sheet has no part")


def _column_index(reference: str | None, fallback: int) -> int:
    match = _COLUMN.match(reference or "")
    if not match:
        return fallback
    index = 0
    for letter in match.group(1):
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _cell_value(cell, strings: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return _text(cell)
    value = cell.find(f"{MAIN}v")
    raw = "" if value is None or value.text is None else value.text
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            raise _refuse(f"cell {cell.get('r')} names a missing shared string") from None
    if kind is None or kind == "n":  # a number: KATO codes and populations are whole numbers
        return raw[:-2] if raw.endswith(".0") else raw
    return raw


def sheet_rows(data: bytes) -> Iterator[list[str]]:
    """The first worksheet's rows as lists of cell texts (a missing cell is an empty string)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse("not an XLSX workbook (not a zip archive)") from None
    with archive:
        try:
            strings = _shared_strings(archive)
            sheet = _first_sheet(archive)
            for _, element in iterparse(_part(archive, sheet)):
                if element.tag != f"{MAIN}row":
                    continue
                cells: dict[int, str] = {}
                for position, cell in enumerate(element.iter(f"{MAIN}c")):
                    cells[_column_index(cell.get("r"), position)] = _cell_value(cell, strings)
                element.clear()
                width = max(cells) + 1 if cells else 0
                yield [cells.get(i, "") for i in range(width)]
        except (ParseError, zipfile.BadZipFile, EOFError) as exc:
            raise _refuse(f"a part of the workbook is damaged: {type(exc).__name__}") from None


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    """Each row as one CSV line (with its ``\\n``), quoted as CSV needs. A sheet stores no empty
    cell at a row's end, so a shorter row is padded to the first row's (the header's) width; a
    longer one is left as it is for the reader to report."""
    width = None
    for row in rows:
        if width is None:
            width = len(row)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(row + [""] * (width - len(row)))
        yield out.getvalue()
