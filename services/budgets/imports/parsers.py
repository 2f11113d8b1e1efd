"""Streaming parsers for bulk revenue imports (pure: text in, parsed lines out).

Both parsers are generators over an *iterator of text lines* (an open file, a decoded HTTP body
stream), read one record at a time and keep nothing but the current row, so memory stays flat for
files of any length. Each yields ``(row_number, result)`` where ``result`` is a revenue line
document (see :mod:`services.budgets.domain.lines`) or a :class:`RowErrors` mapping each bad
field to its reasons; one bad row never stops the file. ``row_number`` is the file's line number
of the row's last physical line, the header being line 1, so it matches what an editor shows.

CSV format (UTF-8, comma-separated, first line the header, extra columns ignored)::

    region_code,budget_level,district,fiscal_year,period,ebk_code,phase,amount_kzt
    KZ-61,rural_district,Sairam district / Karabulak rural okrug,2025,M01,104302,executed,125000.50

``district`` is empty for the oblast and city_republican levels; ``amount_kzt`` uses ``.`` as the
decimal separator, no thousands separator and at most two decimals.

Fiscal Data Package: see :mod:`services.budgets.domain.ofdp`; the model's measures tell which column
holds which phase, so a wide row yields up to three lines.
"""
import json
from collections.abc import Callable, Iterable, Iterator

from services.budgets.contract.vocabulary import CSV_HEADER
from services.budgets.domain.ebk import EbkClassification, EbkEditions, default_editions
from services.budgets.domain.lines import DEFAULT_LINE_SETTINGS, LineSettings, check_revenue_line
from services.budgets.domain.ofdp import measure_phases
from services.common.csv_rows import RowErrors, cell, read_header, reader, records
from services.common.errors import ValidationFailed


def parse_revenue_csv(text_lines: Iterable[str], *, rules: LineSettings = DEFAULT_LINE_SETTINGS,
                      classification: EbkClassification | EbkEditions | None = None
                      ) -> Iterator[tuple[int, dict]]:
    """Parse the documented CSV lazily. A missing header column raises ``ValidationFailed`` at the
    first ``next()`` (nothing can be read); bad rows are yielded as :class:`RowErrors`."""
    classification = classification or default_editions()
    csv_reader = reader(text_lines)
    columns = read_header(csv_reader, CSV_HEADER)
    width = len(columns)
    for row_number, record in records(csv_reader, width):
        if isinstance(record, RowErrors):
            yield row_number, record
            continue
        raw = {name: cell(record, columns[name]) for name in CSV_HEADER}
        line, problems = check_revenue_line(raw, rules, classification)
        yield row_number, (line if line is not None else RowErrors(problems))


def _attribute_reader(spec: dict, columns: dict[str, int]) -> Callable[[list[str]], str | None]:
    if "constant" in spec:
        constant = spec["constant"]
        return lambda record: None if constant is None else str(constant)
    index = columns[spec["source"]]
    return lambda record: cell(record, index)


def parse_ofdp(descriptor: dict, open_resource: Callable[[str], Iterable[str]], *,
               rules: LineSettings = DEFAULT_LINE_SETTINGS,
               classification: EbkClassification | EbkEditions | None = None
               ) -> Iterator[tuple[int, dict]]:
    """Parse a Fiscal Data Package lazily: ``descriptor`` is ``datapackage.json`` (text or loaded);
    ``open_resource(path)`` returns the text lines of its CSV resource.

    A row with a bad dimension or amount yields one :class:`RowErrors` (amount problems are
    reported under the measure's column name); a good row yields one line per non-empty measure.
    """
    classification = classification or default_editions()
    if isinstance(descriptor, (str, bytes)):
        try:
            descriptor = json.loads(descriptor)
        except ValueError as exc:
            raise ValidationFailed("invalid data package", {"datapackage": [f"not JSON: {exc}"]}) from exc
    path, measures, attributes = measure_phases(descriptor)
    csv_reader = reader(open_resource(path))
    wanted = ["region_code", "budget_level", "district", "fiscal_year", "period", "ebk_code",
              "phase"]
    needed_sources = [attributes[n]["source"] for n in wanted
                      if n in attributes and "source" in attributes[n]]
    columns = read_header(csv_reader, list(dict.fromkeys(needed_sources + list(measures))))
    readers = {name: _attribute_reader(attributes[name], columns)
               for name in wanted if name in attributes}
    for row_number, record in records(csv_reader, len(columns)):
        if isinstance(record, RowErrors):
            yield row_number, record
            continue
        base = {name: read(record) for name, read in readers.items()}
        results, problems = [], {}
        for column, phase in measures.items():
            amount = cell(record, columns[column])
            if amount is None:
                continue
            raw = dict(base, amount_kzt=amount, phase=phase or base.get("phase"))
            line, line_problems = check_revenue_line(raw, rules, classification)
            for field, reasons in line_problems.items():
                key = column if field == "amount_kzt" else field
                bucket = problems.setdefault(key, [])
                bucket.extend(r for r in reasons if r not in bucket)
            if line is not None:
                results.append(line)
        if problems:
            yield row_number, RowErrors(problems)
        elif not results:
            yield row_number, RowErrors({"amount": ["no amount in any measure column"]})
        else:
            for line in results:
                yield row_number, line
