"""The first rows of each region + stage listing, stored, for the default order (newest first).

The local store sorts in its own memory after decoding every matching project (1-3 ms each, ~500
per region and stage at national size), so the first page of ``?region_code=R&stage=S`` is kept as
one document per (region, stage): the first ``PAGE_ROWS`` rows in their API form, as JSON text
(one string decodes far faster than nested documents).

It is kept exact with the projects' own ``totals_dirty`` mark (see ``totals_repository``): a read
takes the stored rows, drops those of the marked projects and adds the marked projects that are in
the stage now, and only trusts rows down to the stored page's last one (*the boundary*: below it,
unstored projects may rank before an added one) unless the page holds the whole stage. The fold that
clears the marks first stores the pages with the same projects merged in, so a clean project is in
the stored page as it is. A page write is guarded by the page's version and computed from projects
read after the page, so a late writer cannot put an older row back.
"""
import json
from datetime import datetime, timedelta, timezone

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from services.investments.totals_repository import DIRTY

PAGES_COLLECTION = "stage_first_pages"
PAGE_ROWS = 120  # rows stored per (region, stage): the default page (50) and a reserve
REBUILD_BELOW = 61  # fewer trusted rows than the default page + 1: read the stage again
# the API's default order of a listing, in stored field names
DEFAULT_ORDER = [("created_at", DESCENDING), ("_id", DESCENDING)]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MILLISECOND = timedelta(milliseconds=1)


def page_id(region_code: str, stage: str) -> str:
    return f"{region_code}|{stage}"


def _rank(row: dict) -> tuple:
    return row["ms"], row["id"]


def ranked_row(stored_project: dict, item: dict) -> dict:
    """A project's row in a stored page: id, creation in epoch milliseconds (the rank) and its
    API form ``item``."""
    return {"id": stored_project["_id"],
            "ms": (stored_project["created_at"] - EPOCH) // MILLISECOND, "item": item}


def newest(rows: list[dict]) -> list[dict]:
    """The first ``PAGE_ROWS + 1`` of ``rows``, newest first: enough to store a stage's page
    and to tell whether the page holds the whole stage."""
    return sorted(rows, key=_rank, reverse=True)[:PAGE_ROWS + 1]


def page_fields(region_code: str, stage: str, rows: list, complete: bool, version: int) -> dict:
    """The stored fields of one (region, stage) page (rows as JSON text)."""
    return {"region_code": region_code, "stage": stage, "rows": json.dumps(rows),
            "count": len(rows), "complete": complete, "version": version}


def page_document(region_code: str, stage: str, rows: list[dict]) -> dict:
    """The first page of a region's stage as a fold and a rebuild store it at version 1, from
    the stage's rows (``ranked_row``; all of them, or at least its ``PAGE_ROWS + 1`` newest):
    ``PAGE_ROWS`` rows newest first, complete when they are the whole stage."""
    first = newest(rows)
    return {"_id": page_id(region_code, stage),
            **page_fields(region_code, stage, first[:PAGE_ROWS], len(first) <= PAGE_ROWS, 1)}


def merge(rows: list[dict], complete: bool, changed: list[tuple[str, dict | None]]) -> list[dict]:
    """The rows that are known to be first, newest first: ``rows`` (a stored page) without the
    changed projects, plus the changed ones in the stage (``row`` not None) that rank at or before
    the boundary (everywhere when the page holds the whole stage)."""
    if not complete and not rows:
        return []
    boundary = None if complete else _rank(rows[-1])
    gone = {project_id for project_id, _ in changed}
    kept = [r for r in rows if r["id"] not in gone]
    added = [row for _, row in changed
             if row is not None and (boundary is None or _rank(row) >= boundary)]
    return sorted(kept + added, key=_rank, reverse=True)


class StagePages:
    """Stored first pages over the projects' (guarded) collection; ``row_of(stored project)``
    gives a project's row in its API form."""

    def __init__(self, projects_collection, pages_collection, row_of):
        self.projects = projects_collection
        self.pages = pages_collection
        self.row_of = row_of

    @classmethod
    def ensure_indexes(cls, db) -> None:
        db[PAGES_COLLECTION].create_index([("region_code", 1)])

    def row(self, stored_project: dict) -> dict:
        return ranked_row(stored_project, self.row_of(stored_project))

    @staticmethod
    def created_at(row: dict) -> datetime:
        return EPOCH + row["ms"] * MILLISECOND

    # -- reading ---------------------------------------------------------------------------------
    def stored(self, region_code: str) -> dict[str, dict]:
        """The region's stored pages by stage: version, rows, complete."""
        return {doc["stage"]: {"version": doc["version"], "rows": json.loads(doc["rows"]),
                               "complete": doc["complete"]}
                for doc in self.pages.find({"region_code": region_code})}

    def version(self, region_code: str, stage: str) -> int | None:
        doc = self.pages.find_one({"_id": page_id(region_code, stage)}, {"version": 1})
        return None if doc is None else doc["version"]

    def first_page(self, region_code: str, stage: str, size: int) -> list | None:
        """Up to ``size + 1`` first rows of the region and stage, newest first, exact at this
        read; None when no stored page can tell them (the caller asks the projects)."""
        for _ in range(3):
            doc = self.pages.find_one({"_id": page_id(region_code, stage)})
            if doc is None:
                return None
            dirty = list(self.projects.find({"region_code": region_code, DIRTY: True},
                                            {"_outbox": 0}))
            # a fold that stored this page meanwhile may have cleared marks the page predates
            if self.version(region_code, stage) == doc["version"]:
                page = {"rows": json.loads(doc["rows"]), "complete": doc["complete"]}
                return self.first_rows(page, stage, dirty, size)
        return None

    def first_rows(self, page: dict, stage: str, dirty: list[dict], size: int) -> list | None:
        """Up to ``size + 1`` first rows of ``stage`` from a stored page and the region's marked
        projects (full stored documents); None when the page cannot tell them."""
        rows = merge(page["rows"], page["complete"], self._changes(stage, dirty))
        if len(rows) > size or page["complete"]:
            return rows[:size + 1]
        return None

    # -- keeping them ------------------------------------------------------------------------------
    def merged_writes(self, region_code: str, pages: dict, dirty: list[dict], stages) -> bool:
        """Store every page of the region's ``stages``, as read in ``pages`` (before ``dirty`` was
        read), with ``dirty`` merged in; False when another writer changed one first.

        Every page is written, changed or not, and a missing one is stored empty (it trusts no
        row until ``rebuild_short`` reads the stage): its new version makes a rebuild that read
        the projects before these were written fail instead of storing their older rows."""
        if not dirty:
            return True
        for stage in sorted(stages):
            page = pages.get(stage)
            if page is None:
                if not self._write(region_code, stage, None, [], False):
                    return False
                continue
            rows = merge(page["rows"], page["complete"], self._changes(stage, dirty))
            complete = page["complete"] and len(rows) <= PAGE_ROWS
            if not self._write(region_code, stage, page["version"], rows[:PAGE_ROWS], complete):
                return False
        return True

    def rebuild_short(self, region_code: str, stages) -> int:
        """Read again from the projects every page of ``stages`` that is missing or holds too few
        trusted rows; how many were stored."""
        pages = {doc["stage"]: doc for doc in self.pages.find(
            {"region_code": region_code}, {"rows": 0})}  # the rows are not needed to decide
        stored = 0
        for stage in stages:
            page = pages.get(stage)
            if page is not None and (page["complete"] or page["count"] >= REBUILD_BELOW):
                continue
            docs = list(self.projects.find({"region_code": region_code, "stage": stage},
                                           {"_outbox": 0}).sort(DEFAULT_ORDER)
                        .limit(PAGE_ROWS + 1))
            rows = [self.row(d) for d in docs[:PAGE_ROWS]]
            version = None if page is None else page["version"]
            stored += self._write(region_code, stage, version, rows, len(docs) <= PAGE_ROWS)
        return stored

    def _changes(self, stage: str, dirty: list[dict]) -> list[tuple[str, dict | None]]:
        return [(d["_id"], self.row(d) if d["stage"] == stage else None) for d in dirty]

    def _write(self, region_code: str, stage: str, version: int | None, rows: list,
               complete: bool) -> bool:
        fields = page_fields(region_code, stage, rows, complete, (version or 0) + 1)
        if version is None:
            try:
                self.pages.insert_one({"_id": page_id(region_code, stage), **fields})
                return True
            except DuplicateKeyError:
                return False
        return self.pages.update_one({"_id": page_id(region_code, stage), "version": version},
                                     {"$set": fields}).matched_count == 1
