"""The import use cases behind the service's entrypoints: open an import, stage its chunks,
queue it when every chunk is in, and read its status (the job itself runs in ``runner``)."""
import uuid

from services.budgets.imports.rules import (
    DEFAULT_IMPORT_SETTINGS,
    ImportSettings,
    check_chunk,
    new_import,
    status_output,
)
from services.common.clock import now_utc
from services.common.errors import Conflict, raise_if_problems, require


class Imports:
    """Built per call from the service's import repositories and its runner."""

    def __init__(self, imports, chunks, runner=None,
                 settings: ImportSettings = DEFAULT_IMPORT_SETTINGS):
        self.imports = imports
        self.chunks = chunks
        self.runner = runner
        self.settings = settings

    def start(self, source_format, mode="partial", datapackage=None, regions=None,
              created_by=None, correlation_id=None) -> dict:
        """Open an import; its text follows with ``chunk`` then ``finish``.

        ``regions`` is the caller's checked scope (None = every region)."""
        doc = new_import(str(uuid.uuid4()), source_format=source_format, mode=mode,
                         datapackage=datapackage,
                         regions=sorted(regions) if regions is not None else None,
                         created_by=created_by, now=now_utc())
        doc["correlation_id"] = correlation_id
        self.imports.create(doc)
        return status_output(doc)

    def chunk(self, import_id, seq, text) -> dict:
        """Stage chunk ``seq`` (0, 1, …) of an import's text; sending a chunk again is harmless."""
        check_chunk(seq, text, self.settings)
        status = self.imports.status(import_id)
        if status["state"] != "receiving":
            raise Conflict("the import no longer accepts chunks",
                           {"import_id": import_id, "state": status["state"]})
        stored = self.chunks.put(import_id, seq, text)
        if stored:
            status = self.imports.count_chunk(import_id, len(text), now_utc())
        return {"import_id": import_id, "seq": seq, "stored": stored,
                "chunks_received": status["chunks_received"],
                "chars_received": status["chars_received"]}

    def finish(self, import_id, chunks_total) -> dict:
        """Every chunk is sent: queue the job (it runs in the background; poll ``status``)."""
        problems: dict = {}
        require(isinstance(chunks_total, int) and not isinstance(chunks_total, bool)
                and chunks_total >= 0, "chunks_total", "must be a whole number", problems)
        raise_if_problems(problems, "invalid import finish")
        status = self.imports.status(import_id)
        if status["state"] == "receiving":
            absent, chars = self.chunks.missing(import_id, chunks_total)
            if absent:
                raise Conflict("not every chunk has arrived", {
                    "chunks_total": chunks_total, "missing": absent[:20],
                    "chunks_missing": len(absent)})
            status = self.imports.queue(import_id, chunks_total, chars, now_utc())
        if self.runner is not None:
            self.runner.wake()
        return status_output(status)

    def status(self, import_id) -> dict:
        return status_output(self.imports.status(import_id))
