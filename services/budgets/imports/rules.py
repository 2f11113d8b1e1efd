"""Bulk import jobs: the rules, free of I/O (the job runner in ``import_job`` does the I/O).

An import travels in chunks of text so that neither the caller nor the service ever holds the whole
file: ``import_start`` → ``import_chunk`` (seq 0, 1, …) → ``import_finish``. Chunks may cut a line
anywhere; :func:`text_lines` joins them back into lines. The chunks are staged in the store, so any
instance of the service may receive any chunk and any instance may run the job (a chunk held in one
process's memory would be lost with that process, and competing consumers spread the calls).

Modes:
* ``partial``: good rows are stored, bad rows are reported (row number, field, reason);
* ``all_or_nothing``: the staged file is validated in a first streamed pass; only a file without a
  single bad row is written, in a second pass. The store has no multi-document transactions, so
  "validate everything, then write" is how nothing is left behind by a bad file.

Rows of a region outside the importer's scope (a regional officer imports only their region) are
bad rows like any other.
"""
import json
from collections.abc import Iterator
from datetime import datetime

from services.budgets.contract.vocabulary import IMPORT_FORMATS, IMPORT_MODES
from services.budgets.domain.ofdp import measure_phases
from services.budgets.domain.settings import DEFAULT_SETTINGS, ImportSettings
from services.common.csv_rows import RowErrors, is_row_error
from services.common.errors import raise_if_problems, require
from services.common.regions import REGIONS

FORMATS = IMPORT_FORMATS
MODES = IMPORT_MODES
# receiving → queued → processing → completed | rejected | failed; abandoned when never finished
STATES = ("receiving", "queued", "processing", "completed", "rejected", "failed", "abandoned")
FINAL_STATES = frozenset({"completed", "rejected", "failed", "abandoned"})


DEFAULT_IMPORT_SETTINGS = DEFAULT_SETTINGS.imports


def new_import(import_id: str, *, source_format, mode, datapackage=None, regions=None,
               created_by=None, now: datetime) -> dict:
    """The status document of a new import (state ``receiving``) or ``ValidationFailed``."""
    problems: dict = {}
    require(source_format in FORMATS, "format", f"must be one of {', '.join(FORMATS)}", problems)
    require(mode in MODES, "mode", f"must be one of {', '.join(MODES)}", problems)
    if regions is not None:
        require(isinstance(regions, (list, tuple, set)) and all(r in REGIONS for r in regions),
                "regions", "must be a list of region codes", problems)
    if source_format == "ofdp":
        require(isinstance(datapackage, dict), "datapackage",
                "the package descriptor (datapackage.json) is required for an OFDP import",
                problems)
    elif datapackage is not None:
        require(False, "datapackage", "only an OFDP import has a package descriptor", problems)
    raise_if_problems(problems, "invalid import")
    if source_format == "ofdp":
        measure_phases(datapackage)  # a descriptor the parser cannot read fails now, not later
    return _status_doc(import_id, source_format, mode, datapackage, regions, created_by, now)


def api_batch_doc(batch_id: str, *, rows: int, inserted: int, updated: int, unchanged: int,
                  region_codes, fiscal_years, created_by=None, now: datetime) -> dict:
    """The summary document of a batch recorded through the API (kept under its batch id)."""
    doc = _status_doc(batch_id, "api", "all_or_nothing", None, None, created_by, now)
    doc.update(state="completed", finished_at=now, rows_processed=rows, lines_inserted=inserted,
               lines_updated=updated, lines_unchanged=unchanged,
               region_codes=sorted(set(region_codes)),
               fiscal_years=sorted({int(y) for y in fiscal_years}))
    return doc


def _status_doc(import_id, source_format, mode, datapackage, regions, created_by, now) -> dict:
    return {
        "import_id": import_id, "format": source_format, "mode": mode, "state": "receiving",
        # kept as text: a descriptor's keys are the publisher's and may not be valid field names
        "phase": None, "datapackage": json.dumps(datapackage) if datapackage is not None else None,
        "scope_regions": sorted(regions) if regions is not None else None,
        "created_by": created_by, "created_at": now, "updated_at": now, "finished_at": None,
        "chunks_received": 0, "chars_received": 0, "chunks_total": None, "chars_processed": 0,
        "rows_processed": 0, "rows_rejected": 0, "lines_inserted": 0, "lines_updated": 0,
        "lines_unchanged": 0, "errors": [], "errors_total": 0, "region_codes": [],
        "fiscal_years": [], "pairs": [], "resume_after_row": 0, "validated": False,
        "attempts": 0, "failure": None,
    }


def check_chunk(seq, text, config: ImportSettings = DEFAULT_IMPORT_SETTINGS) -> None:
    problems: dict = {}
    require(isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0, "seq",
            "must be a whole number from 0", problems)
    require(isinstance(text, str), "text", "must be text", problems)
    if isinstance(text, str):
        require(len(text) <= config.max_chunk_chars, "text",
                f"at most {config.max_chunk_chars} characters per chunk", problems)
    raise_if_problems(problems, "invalid chunk")


def scoped(results, regions) -> Iterator[tuple[int, dict]]:
    """Parser results with lines of regions outside ``regions`` turned into row errors."""
    if regions is None:
        yield from results
        return
    allowed = frozenset(regions)
    reason = f"outside the regions this import may write ({', '.join(sorted(allowed))})"
    for row, result in results:
        if not is_row_error(result) and result["region_code"] not in allowed:
            yield row, RowErrors({"region_code": [reason]})
        else:
            yield row, result


def rows(results) -> Iterator[tuple[int, list[dict], dict]]:
    """Group parser results by row: ``(row_number, lines, problems)``.

    A package row may yield several lines (one per phase); a row with any problem is a bad row
    and none of its lines is written.
    """
    current, lines, problems = None, [], {}
    for row, result in results:
        if current is not None and row != current:
            yield current, ([] if problems else lines), problems
            lines, problems = [], {}
        current = row
        if is_row_error(result):
            for field, reasons in result.items():
                bucket = problems.setdefault(field, [])
                bucket.extend(r for r in reasons if r not in bucket)
        else:
            lines.append(result)
    if current is not None:
        yield current, ([] if problems else lines), problems


STATUS_FIELDS = ("import_id", "format", "mode", "state", "phase", "scope_regions", "created_by",
                 "chunks_received", "chars_received", "chunks_total", "chars_processed",
                 "rows_processed",
                 "rows_rejected", "lines_inserted", "lines_updated", "lines_unchanged", "errors",
                 "errors_total", "region_codes", "fiscal_years", "failure")


def status_output(doc: dict) -> dict:
    """The JSON-ready status of an import (what ``import_status`` and the CLI show)."""
    out = {name: doc.get(name) for name in STATUS_FIELDS}
    for name in ("created_at", "updated_at", "finished_at"):
        value = doc.get(name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    out["errors_truncated"] = doc.get("errors_total", 0) > len(doc.get("errors") or [])
    out["done"] = doc.get("state") in FINAL_STATES
    return out
