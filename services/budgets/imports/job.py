"""Running one import job: parse the staged chunks, validate, write in batches, recalculate.

The job is resumable. After every batch it records a checkpoint in the status document (counters,
the errors kept so far, the pairs whose lines changed and the last row written); a runner that
takes over a job whose runner died parses the file again and skips the rows up to the checkpoint,
then goes on. Writing a line twice would be harmless anyway (natural-key upserts); the checkpoint
keeps the counts exact. The status document is also what ``import_status`` and the progress bar
read, so progress is visible to every process.

Parsing overlaps writing: a green thread parses the next batch while the store takes the current
one (a write is mostly waiting on the socket), through a queue two batches deep, so memory holds
at most a few batches whatever the file size.
"""
import logging

import eventlet
from eventlet.queue import LightQueue

from services.budgets.application.recalculation import FreshPairs, recalculate
from services.budgets.domain.lines import revenue_batch_imported_fact
from services.budgets.imports.parsers import parse_ofdp, parse_revenue_csv
from services.budgets.imports.rules import DEFAULT_IMPORT_SETTINGS, ImportSettings, rows, scoped
from services.common.csv_rows import error_entries, file_error, text_lines
from services.common.errors import ValidationFailed

log = logging.getLogger(__name__)
_END = object()


class ImportJob:
    def __init__(self, doc: dict, token: str, *, imports, chunks, lines, recalc_stores, now,
                 config: ImportSettings = DEFAULT_IMPORT_SETTINGS):
        self.doc = doc
        self.token = token
        self.imports, self.chunks, self.lines = imports, chunks, lines
        self.recalc_stores = recalc_stores
        self.now = now  # callable: the clock is read here, never inside rules
        self.config = config
        self.id = doc["import_id"]
        self.errors: list = list(doc.get("errors") or [])
        self.counts = {name: doc.get(name, 0) for name in (
            "rows_processed", "rows_rejected", "lines_inserted", "lines_updated",
            "lines_unchanged", "errors_total")}
        self.regions = set(doc.get("region_codes") or [])
        self.years = set(doc.get("fiscal_years") or [])
        self.pairs = {(p.split("|")[0], int(p.split("|")[1])) for p in doc.get("pairs") or []}
        self.chars_read = 0  # how far the parser got in the text (for the progress bar)
        # Running indicator totals of the pairs this job fills alone. A job resumed after it
        # wrote part of the file did not see those lines go in, so it reads everything back
        # (the pair counters would refuse it anyway: belt and braces).
        self.fresh = FreshPairs(lines, trusted=not doc.get("resume_after_row"))

    # -- reading ---------------------------------------------------------------------------------
    def _counted(self, lines):
        self.chars_read = 0
        for text in lines:
            self.chars_read += len(text)
            yield text

    def _results(self):
        text = self._counted(text_lines(self.chunks.texts(self.id, self.doc["chunks_total"]),
                                        self.config.max_line_chars))
        if self.doc["format"] == "csv":
            parsed = parse_revenue_csv(text)
        else:
            parsed = parse_ofdp(self.doc["datapackage"], lambda path: text)
        return rows(scoped(parsed, self.doc.get("scope_regions")))

    def _keep_errors(self, row: int, problems: dict) -> None:
        entries = error_entries(row, problems)
        self.counts["errors_total"] += len(entries)
        room = self.config.max_errors_kept - len(self.errors)
        if room > 0:
            self.errors.extend(entries[:room])

    def _checkpoint(self, **fields) -> None:
        self.imports.checkpoint(self.id, self.token, fields, self.now(),
                                self.config.lease_seconds)

    # -- the job -----------------------------------------------------------------------------------
    def run(self) -> str:
        """Run to the end; returns the final state."""
        try:
            if self.doc["mode"] == "all_or_nothing" and not self.doc.get("validated"):
                if not self._validate():
                    return "rejected"
            self._write()
        except ValidationFailed as exc:  # the file itself cannot be read (header, package)
            self.errors = file_error(exc)
            self._close("rejected", failure=exc.message)
            return "rejected"
        self._checkpoint(phase="recalculating")
        recalculate(self.recalc_stores, self.pairs, self.now(),
                    accumulated=self.fresh.accumulated,
                    accumulated_by_month=self.fresh.accumulated_by_month)
        self._close("completed")
        return "completed"

    def _validate(self) -> bool:
        """First pass of all_or_nothing: read everything, write nothing."""
        self._checkpoint(phase="validating")
        self.errors, self.counts["errors_total"] = [], 0  # a pass restarted from the top
        seen = rejected = 0
        for row, _, problems in self._results():
            seen += 1
            if problems:
                rejected += 1
                self._keep_errors(row, problems)
            if seen % self.config.batch_size == 0:
                eventlet.sleep(0)  # let the service's other workers run between batches
            if seen % (self.config.batch_size * 10) == 0:
                self._checkpoint(rows_processed=seen, rows_rejected=rejected,
                                 chars_processed=self.chars_read)
        self.counts["rows_rejected"] = rejected
        if rejected:
            self.counts["rows_processed"] = seen
            self._close("rejected", failure=f"{rejected} of {seen} rows are invalid; "
                                            "nothing was imported")
            return False
        self._checkpoint(validated=True, rows_processed=0, rows_rejected=0, chars_processed=0)
        return True

    def _batches(self, queue: LightQueue) -> None:
        """Producer: parsed rows grouped into batches that end on a row boundary."""
        try:
            resume_after = self.doc.get("resume_after_row") or 0
            batch, bad, last_row, count = [], [], 0, 0
            for row, lines, problems in self._results():
                if row <= resume_after:
                    continue
                if problems:
                    bad.append((row, problems))
                batch.extend(lines)
                last_row, count = row, count + 1
                if len(batch) >= self.config.batch_size or len(bad) >= self.config.batch_size:
                    queue.put((batch, bad, last_row, count))
                    batch, bad, count = [], [], 0
            if count:
                queue.put((batch, bad, last_row, count))
            queue.put(_END)
        except BaseException as exc:  # hand the failure to the writer, which raises it
            queue.put(exc)

    def _write(self) -> None:
        self._checkpoint(phase="writing")
        queue = LightQueue(maxsize=2)
        producer = eventlet.spawn(self._batches, queue)
        try:
            while True:
                item = queue.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                self._write_batch(*item)
        finally:
            producer.kill()

    def _write_batch(self, batch: list, bad: list, last_row: int, row_count: int) -> None:
        if batch:
            self.fresh.before_batch(batch)
            outcome = self.lines.write_batch(batch, source=self.doc["format"],
                                             batch_id=self.id, now=self.now())
            self.fresh.after_batch(batch, outcome)
            self.counts["lines_inserted"] += outcome.inserted
            self.counts["lines_updated"] += outcome.updated
            self.counts["lines_unchanged"] += outcome.unchanged
            self.pairs |= outcome.changed_pairs
            for line in batch:
                self.regions.add(line["region_code"])
                self.years.add(int(line["fiscal_year"]))
        for row, problems in bad:
            self._keep_errors(row, problems)
        self.counts["rows_rejected"] += len(bad)
        self.counts["rows_processed"] += row_count
        self._checkpoint(resume_after_row=last_row, errors=self.errors,
                         chars_processed=self.chars_read, **self._progress())

    def _progress(self) -> dict:
        return dict(self.counts, region_codes=sorted(self.regions),
                    fiscal_years=sorted(self.years),
                    pairs=sorted(f"{r}|{y}" for r, y in self.pairs))

    def _close(self, state: str, failure: str | None = None) -> None:
        facts = []
        if state == "completed":
            facts.append(revenue_batch_imported_fact(
                batch_id=self.id, source_format=self.doc["format"],
                rows_read=self.counts["rows_processed"],
                lines_inserted=self.counts["lines_inserted"],
                lines_updated=self.counts["lines_updated"],
                lines_unchanged=self.counts["lines_unchanged"],
                rows_rejected=self.counts["rows_rejected"], region_codes=self.regions,
                fiscal_years=self.years, imported_at=self.now()))
            facts = [(t, p, (sorted(self.regions)[0] if len(self.regions) == 1 else None))
                     for t, p in facts]
        self.imports.close(self.id, self.token, dict(
            self._progress(), state=state, phase=None, errors=self.errors, failure=failure),
            facts, self.now())
        self.chunks.drop(self.id)
        log.info("import %s %s: %s", self.id, state, self.counts)
