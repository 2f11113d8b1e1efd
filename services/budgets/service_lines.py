"""Entrypoints for revenue lines: record (one or a batch), query, bulk import, and the finance
ministry's executed lines arriving over the bus."""
import uuid

from services.common.rpc import rpc

from services.budgets.domain import line_as_output, revenue_batch_imported_fact, \
    validate_revenue_line
from services.budgets.imports import (DEFAULT_IMPORT_CONFIG, api_batch_doc, check_chunk,
                                      new_import, status_output)
from services.budgets.schemas import (RevenueBatchSchema, RevenueLineSchema, RevenueQuerySchema)
from services.budgets.service_base import BudgetsBase, load, now_utc
from services.common.consuming import subscribe
from services.common.errors import (Conflict, DuplicateKey, NotFound, raise_if_problems,
                                    require)
from services.common.regions import REGIONS


def _regions(regions) -> set | None:
    """The caller's region scope (None = every region), checked."""
    if regions is None:
        return None
    problems: dict = {}
    require(isinstance(regions, (list, tuple)) and all(r in REGIONS for r in regions),
            "regions", "must be a list of region codes", problems)
    raise_if_problems(problems, "invalid region scope")
    return set(regions)


class RevenueLineEntrypoints(BudgetsBase):

    @rpc
    def record_line(self, line):
        """Record one revenue line (upsert on its natural key); indicators follow."""
        document = load(RevenueLineSchema(), line, "invalid revenue line")
        outcome = self.lines.write_batch([document], source="api", batch_id=None, now=now_utc())
        self._recalculate(outcome.changed_pairs)
        return {"line": line_as_output(document), "result": outcome.results[0]}

    @rpc
    def record_lines(self, batch, created_by=None):
        """Record a batch of lines; the whole batch is refused when any line is invalid.

        ``batch_id`` makes a retried batch a no-op: its stored summary is returned again.
        """
        data = load(RevenueBatchSchema(), batch, "invalid revenue batch")
        regions = {line["region_code"] for line in data["lines"]}
        years = {line["fiscal_year"] for line in data["lines"]}
        # kept beside the imports, under an id of its own kind (a client names its batches)
        batch_id = f"batch:{data.get('batch_id') or uuid.uuid4()}"
        try:
            stored = self.imports.status(batch_id)
        except NotFound:
            stored = None
        if stored is not None:
            if set(stored["region_codes"]) != regions:
                raise Conflict("this batch_id was used for lines of other regions",
                               {"batch_id": data["batch_id"]})
            return {**status_output(stored), "replayed": True}
        now = now_utc()
        outcome = self.lines.write_batch(data["lines"], source="api", batch_id=batch_id, now=now)
        self._recalculate(outcome.changed_pairs)
        fact = revenue_batch_imported_fact(
            batch_id=batch_id, source_format="api", rows_read=len(data["lines"]),
            lines_inserted=outcome.inserted, lines_updated=outcome.updated,
            lines_unchanged=outcome.unchanged, rows_rejected=0, region_codes=regions,
            fiscal_years=years, imported_at=now)
        doc = api_batch_doc(batch_id, rows=len(data["lines"]), inserted=outcome.inserted,
                            updated=outcome.updated, unchanged=outcome.unchanged,
                            region_codes=regions, fiscal_years=years, created_by=created_by,
                            now=now)
        region = next(iter(regions)) if len(regions) == 1 else None
        try:
            self.imports.save_new(doc, [(fact[0], fact[1], region)])
        except DuplicateKey:  # the same batch_id raced in: its summary stands
            pass
        return {**status_output(doc), "results": outcome.results, "replayed": False}

    @rpc
    def query_lines(self, filters=None, regions=None):
        """A page of lines matching ``filters``; ``regions`` narrows to the caller's scope."""
        query = load(RevenueQuerySchema(), filters or {}, "invalid query")
        scope = _regions(regions)
        if query.get("region_code") and scope is not None and query["region_code"] not in scope:
            return {"items": [], "page": query["page"], "page_size": query["page_size"],
                    "total": 0}
        items, total = self.lines.query(query, scope, query["page"], query["page_size"])
        return {"items": [line_as_output(line) for line in items], "page": query["page"],
                "page_size": query["page_size"], "total": total}

    # -- bulk import -----------------------------------------------------------------------------
    @rpc
    def import_start(self, format, mode="partial", datapackage=None, regions=None,
                     created_by=None):
        """Open an import; send its text with ``import_chunk`` then call ``import_finish``."""
        doc = new_import(str(uuid.uuid4()), source_format=format, mode=mode,
                         datapackage=datapackage,
                         regions=sorted(_regions(regions)) if regions is not None else None,
                         created_by=created_by, now=now_utc())
        doc["correlation_id"] = self.lines.correlation_id
        self.imports.create(doc)
        return status_output(doc)

    @rpc
    def import_chunk(self, import_id, seq, text):
        """Stage chunk ``seq`` (0, 1, …) of an import's text; sending a chunk again is harmless."""
        check_chunk(seq, text, DEFAULT_IMPORT_CONFIG)
        status = self.imports.status(import_id)
        if status["state"] != "receiving":
            raise Conflict("the import no longer accepts chunks",
                           {"import_id": import_id, "state": status["state"]})
        stored = self.import_chunks.put(import_id, seq, text)
        if stored:
            status = self.imports.count_chunk(import_id, len(text), now_utc())
        return {"import_id": import_id, "seq": seq, "stored": stored,
                "chunks_received": status["chunks_received"],
                "chars_received": status["chars_received"]}

    @rpc
    def import_finish(self, import_id, chunks_total):
        """Every chunk is sent: queue the job (it runs in the background; poll import_status)."""
        problems: dict = {}
        require(isinstance(chunks_total, int) and not isinstance(chunks_total, bool)
                and chunks_total >= 0, "chunks_total", "must be a whole number", problems)
        raise_if_problems(problems, "invalid import finish")
        status = self.imports.status(import_id)
        if status["state"] == "receiving":
            absent, chars = self.import_chunks.missing(import_id, chunks_total)
            if absent:
                raise Conflict("not every chunk has arrived", {
                    "chunks_total": chunks_total, "missing": absent[:20],
                    "chunks_missing": len(absent)})
            status = self.imports.queue(import_id, chunks_total, chars, now_utc())
        self.import_runner.wake()
        return status_output(status)

    @rpc
    def import_status(self, import_id):
        return status_output(self.imports.status(import_id))

    # -- inbound ministry contract ---------------------------------------------------------------
    @subscribe()
    def on_revenue_executed(self, envelope):
        """The finance ministry's executed line: upsert on the natural key, so a redelivery or a
        resend of the same figure changes nothing."""
        payload = dict(envelope["payload"])
        reference = payload.pop("reference")
        line = validate_revenue_line(payload)
        outcome = self.lines.write_batch([line], source="finance", batch_id=reference,
                                         now=now_utc())
        self._recalculate(outcome.changed_pairs)
