"""Revenue lines: record (one or a batch), query, and the finance ministry's executed lines
arriving over the bus. Every write is followed by the recalculation of the indicators of the
(region, year) pairs it changed."""
import uuid

from services.budgets.application.recalculation import Stores, recalculate
from services.budgets.domain.lines import line_as_output, revenue_batch_imported_fact, validate_revenue_line
from services.budgets.imports.rules import api_batch_doc, status_output
from services.common.clock import now_utc
from services.common.errors import Conflict, DuplicateKey, NotFound, raise_if_problems, require
from services.common.regions import REGIONS


def region_scope(regions) -> set | None:
    """The caller's region scope (None = every region), checked."""
    if regions is None:
        return None
    problems: dict = {}
    require(isinstance(regions, (list, tuple)) and all(r in REGIONS for r in regions),
            "regions", "must be a list of region codes", problems)
    raise_if_problems(problems, "invalid region scope")
    return set(regions)


class RevenueLines:
    """Use cases over the revenue lines; built per call from the service's repositories."""

    def __init__(self, stores: Stores, imports):
        self.stores = stores
        self.lines = stores.lines
        self.imports = imports

    def _recalculate(self, pairs) -> dict:
        return recalculate(self.stores, pairs, now_utc())

    def record_line(self, document: dict) -> dict:
        """Record one loaded line (upsert on its natural key); indicators follow."""
        outcome = self.lines.write_batch([document], source="api", batch_id=None, now=now_utc())
        self._recalculate(outcome.changed_pairs)
        return {"line": line_as_output(document), "result": outcome.results[0]}

    def record_lines(self, data: dict, created_by=None, *, fresh=None) -> dict:
        """Record a loaded batch; ``batch_id`` makes a retried batch a no-op (its stored summary
        is returned again). With ``fresh`` (a ``FreshPairs``) the indicators are left to the
        caller, who recalculates every pair once after its last batch (the demo seed): the batch
        is reported to ``fresh`` so that pairs it filled alone need no read back."""
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
        if fresh is not None:
            fresh.before_batch(data["lines"])
        outcome = self.lines.write_batch(data["lines"], source="api", batch_id=batch_id, now=now)
        if fresh is None:
            self._recalculate(outcome.changed_pairs)
        else:
            fresh.after_batch(data["lines"], outcome)
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

    def query_lines(self, query: dict, regions=None) -> dict:
        """A page of lines matching the loaded ``query``; ``regions`` narrows to the caller's
        scope."""
        scope = region_scope(regions)
        if query.get("region_code") and scope is not None and query["region_code"] not in scope:
            return {"items": [], "page": query["page"], "page_size": query["page_size"],
                    "total": 0}
        items, total = self.lines.query(query, scope, query["page"], query["page_size"])
        return {"items": [line_as_output(line) for line in items], "page": query["page"],
                "page_size": query["page_size"], "total": total}

    def record_executed(self, envelope: dict) -> None:
        """The finance ministry's executed line: upsert on the natural key, so a redelivery or a
        resend of the same figure changes nothing."""
        payload = dict(envelope["payload"])
        reference = payload.pop("reference")
        line = validate_revenue_line(payload)
        outcome = self.lines.write_batch([line], source="finance", batch_id=reference,
                                         now=now_utc())
        self._recalculate(outcome.changed_pairs)
