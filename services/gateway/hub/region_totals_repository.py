"""One document per region (``hub_region_totals``) with its project buckets (hub/region_totals.py),
recomputed from the project rows of regions marked dirty.

Why not incremental: a delta applied beside the project row write cannot be made exactly-once
without a transaction (a crash between the two loses or doubles it on redelivery). Recomputing
from the rows is idempotent by construction, so only the marking has to be reliable:
- a region's dirty sequence (its field in the one marks document, ``_id`` ``MARKS``) is incremented
  (guarded ``$inc``, never lost) after every project event's row write, for every region the row
  has ever been in (``regions_ever`` on the row, kept by the same write): the region it entered and
  the one it left. A redelivered event marks again, so a crash between the row write and the mark
  is repaired by the redelivery. Concurrent handlers' marks go in rounds, one update of the marks
  document per round whatever the regions (one per region and round before: the store's cost per
  update made the marks the hub's largest write after its rows);
- a recomputation reads the region's sequence S first, then the rows, and stores its buckets with
  ``computed_seq`` = S only over an older computation (``computed_seq < S``). A mark made while it
  read the rows leaves the sequence above S: the region stays dirty and is recomputed again;
- a region is clean when ``computed_seq`` is at least its sequence; a region without a document
  (rows loaded in bulk, not through events) is dirty. A ``dirty_seq`` kept on a region's own
  document (where marks were made before) still counts, the higher of the two.
Reads serve clean documents and recompute dirty regions from the rows on the spot (an exact
answer, as slow as the rows are; one computation per region at a time in a process), and the
gateway's timer recomputes dirty regions, and regions without a document, in the background so
that reads rarely pay. Each answer states when its buckets were computed. The buckets are stored
as one compact JSON text (``region_totals.encode_buckets``): FerretDB converts every nested value
it returns, and the national roll-up reads all 20 documents.

A region that takes project events faster than the timer recomputes it would be read from its
rows every time. ``max_staleness`` (``HUB_TOTALS_MAX_STALENESS_SECONDS``, 0 = always exact) lets a
read serve a dirty region's stored buckets while they are at most that old, saying so
(``stale: true`` beside ``computed_at``); older ones are recomputed as before.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import eventlet
import eventlet.event
import eventlet.patcher
from pymongo.errors import DuplicateKeyError

from services.common.config import seconds_setting
from services.common.guarded import guard
from services.common.regions import REGION_CODES
from services.gateway.hub.region_totals import (
    ROW_FIELDS,
    buckets_from_rows,
    decode_buckets,
    encode_buckets,
)

TOTALS = "hub_region_totals"
ROWS = "hub_projects"
MARKS = "_marks"  # the document of every region's dirty sequence, in TOTALS


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(doc: dict) -> dict:
    stamp = doc.get("computed_at")
    if isinstance(stamp, datetime) and stamp.tzinfo is None:  # pymongo answers naive UTC
        doc = {**doc, "computed_at": stamp.replace(tzinfo=timezone.utc)}
    return doc


def _served(doc: dict) -> dict:
    """A stored totals document as reads use it: aware ``computed_at``, buckets as dicts."""
    return {**_aware(doc), "buckets": decode_buckets(doc.get("buckets"))}


def dirty_seq(code: str, doc: dict | None, marks: dict | None) -> int:
    """The region's dirty sequence: its field in the marks document, or the ``dirty_seq`` its
    own document kept before marks moved there, the higher."""
    return max((marks or {}).get(code, 0), (doc or {}).get("dirty_seq", 0))


def is_clean(code: str, doc: dict | None, marks: dict | None) -> bool:
    return doc is not None and doc.get("computed_seq", -1) >= dirty_seq(code, doc, marks)


def max_staleness_seconds() -> float:
    """``HUB_TOTALS_MAX_STALENESS_SECONDS`` (default 0: every answer exact)."""
    return seconds_setting("HUB_TOTALS_MAX_STALENESS_SECONDS", 0, 0, 3600)


class RegionTotals:
    def __init__(self, db, decode: Callable[[dict], dict], clock: Callable[[], datetime] = _now,
                 max_staleness: float = 0.0):
        self.db = guard(db)
        self.decode = decode  # the rows' codec (money stored as tiyn)
        self.clock = clock
        self.max_staleness = timedelta(seconds=max_staleness)

    # -- marking -----------------------------------------------------------------------------
    def mark_dirty(self, region_codes: Iterable[str]) -> None:
        codes = sorted({c for c in region_codes if c})
        if not codes:
            return
        if eventlet.patcher.is_monkey_patched("socket"):  # a service: concurrent handlers
            _mark_rounds(self.db[TOTALS]).mark(codes)
        else:
            _increment_marks(self.db[TOTALS], codes)

    def mark_project_regions(self, project_id: str, *also: str, row: dict | None = None) -> None:
        """After a project row write: every region the stored row has been in, and ``also``.
        ``row``: the row as that write left it (its ``region_code`` and ``regions_ever``), if the
        write returned it; else it is read."""
        if row is None:
            row = self.db[ROWS].find_one({"_id": project_id},
                                         {"region_code": 1, "regions_ever": 1})
        regions = set(also)
        if row:
            regions.add(row.get("region_code"))
            regions.update(row.get("regions_ever") or ())
        self.mark_dirty(regions)

    # -- computing ---------------------------------------------------------------------------
    def recompute(self, region_code: str) -> dict:
        """Buckets from the rows, stored unless a newer computation is already stored."""
        marks = self._marks()
        before = self.db[TOTALS].find_one({"_id": region_code}, {"dirty_seq": 1})
        seq = dirty_seq(region_code, before, marks)
        buckets = buckets_from_rows(self.decode(row) for row in
                                    self.db[ROWS].find({"region_code": region_code}, ROW_FIELDS))
        doc = {"buckets": buckets, "computed_seq": seq, "computed_at": self.clock()}
        try:
            self.db[TOTALS].update_one({"_id": region_code, "computed_seq": {"$lt": seq}},
                                       {"$set": {**doc, "buckets": encode_buckets(buckets)}},
                                       upsert=True)
        except DuplicateKeyError:
            pass  # a computation at least as new is stored
        return {"_id": region_code, **doc, "from": "rows"}

    def _recompute_once(self, region_code: str) -> dict:
        """``recompute``, one at a time per region in this process: reads of a dirty region that
        arrive while it is being recomputed wait for that computation and serve it when it left
        the region clean, instead of each reading the region's rows again (at national size one
        region's rows take seconds, and a roll-up asked again meanwhile would read them all)."""
        lock = _recompute_lock(self.db, region_code)
        waited = lock.locked()
        with lock:
            if waited:
                doc = self.db[TOTALS].find_one({"_id": region_code})
                if is_clean(region_code, doc, self._marks()):
                    return {**_served(doc), "from": "read_model"}
            return self.recompute(region_code)

    def refresh_dirty(self, limit: int = 20) -> list[str]:
        """Recompute up to ``limit`` dirty regions (the timer's work), a region without a
        document (rows loaded in bulk, or no project yet) among them; the codes recomputed."""
        stored = {doc["_id"]: doc for doc in self.db[TOTALS].find(
            {}, {"dirty_seq": 1, "computed_seq": 1})}
        stored.pop(MARKS, None)
        marks = self._marks()  # the projection above leaves out its fields
        dirty = [code for code in sorted(set(REGION_CODES) | set(stored))
                 if not is_clean(code, stored.get(code), marks)][:limit]
        for code in dirty:
            self._recompute_once(code)
        return dirty

    def store_loaded(self, buckets_by_region: dict[str, list[dict]]) -> int:
        """A bulk loader's totals (``merge_buckets`` of the rows it stored without events), each
        over whatever is stored for its region: the timer may have computed a region from the rows
        stored so far. Only for data at rest (no project events meanwhile)."""
        now, marks = self.clock(), self._marks()
        for code, buckets in sorted(buckets_by_region.items()):
            self.db[TOTALS].update_one(
                {"_id": code}, {"$set": {"buckets": encode_buckets(buckets), "computed_at": now,
                                         "computed_seq": (marks or {}).get(code, 0),
                                         "dirty_seq": 0}}, upsert=True)
        return len(buckets_by_region)

    # -- reading -----------------------------------------------------------------------------
    def totals(self, region_codes: Iterable[str]) -> dict[str, dict]:
        """Per region: ``{buckets, computed_at, from}``, from the stored document when it is
        clean (``from: "read_model"``), else recomputed now from the rows (``from: "rows"``)."""
        codes = sorted(set(region_codes))
        # 21 documents at most (the regions' and the marks'): no $in scan
        flt = {"_id": codes[0]} if len(codes) == 1 else {}
        stored = {doc["_id"]: doc for doc in self.db[TOTALS].find(flt)
                  if doc["_id"] in codes or doc["_id"] == MARKS}
        marks = stored.pop(MARKS, None) if len(codes) > 1 else self._marks()
        answer = {}
        for code in codes:
            doc = stored.get(code)
            if is_clean(code, doc, marks):
                answer[code] = {**_served(doc), "from": "read_model"}
            elif self._fresh_enough(doc):
                answer[code] = {**_served(doc), "from": "read_model", "stale": True}
            else:
                answer[code] = self._recompute_once(code)
        return answer

    def _marks(self) -> dict | None:
        return self.db[TOTALS].find_one({"_id": MARKS})

    def _fresh_enough(self, doc: dict | None) -> bool:
        """A dirty region's stored buckets may be served while no older than ``max_staleness``."""
        if not self.max_staleness or doc is None or "buckets" not in doc:
            return False
        computed_at = _aware(doc).get("computed_at")
        return isinstance(computed_at, datetime) and self.clock() - computed_at <= self.max_staleness


_recompute_locks: dict[tuple, threading.Lock] = {}


def _recompute_lock(db, region_code: str):
    """One lock per (store, database, region) in this process (green under eventlet)."""
    key = (id(db.client), db.name, region_code)
    lock = _recompute_locks.get(key)
    if lock is None:
        lock = _recompute_locks.setdefault(key, threading.Lock())
    return lock


def _increment_marks(collection, codes) -> None:
    """One guarded ``$inc`` of the marks document: every region of the round at once."""
    collection.update_one({"_id": MARKS}, {"$inc": dict.fromkeys(codes, 1)}, upsert=True)


class MarkRounds:
    """Concurrent handlers' dirty marks, written in rounds: one ``$inc`` of the marks document
    per round, each region once however many handlers asked for it (a mark only has to leave the
    region's sequence above every computation that read the rows before it, and one increment
    does that for all of them).

    Each caller waits for a round that began after its request, so its mark is stored (after its
    row write) before the caller returns and its message is acked; a failed round raises in every
    caller of it (the message is retried). One write per round instead of one per event also
    spares the revision guard the races of this process's concurrent handlers on the document."""

    def __init__(self, collection):
        self.collection = collection
        self._codes: set[str] = set()
        self._waiters: list[eventlet.event.Event] = []
        self._writing = False

    def mark(self, codes) -> None:
        done = eventlet.event.Event()
        self._codes.update(codes)
        self._waiters.append(done)
        if not self._writing:
            self._writing = True
            eventlet.spawn_n(self._write_rounds)
        done.wait()

    def _write_rounds(self) -> None:
        try:
            while self._waiters:
                codes, waiters = sorted(self._codes), self._waiters
                self._codes, self._waiters = set(), []
                try:
                    _increment_marks(self.collection, codes)
                except BaseException as exc:  # noqa: BLE001 - every caller of the round gets it
                    for done in waiters:
                        done.send_exception(exc)
                    continue
                for done in waiters:
                    done.send(None)
        finally:
            self._writing = False


_rounds: dict[tuple, MarkRounds] = {}


def _mark_rounds(collection) -> MarkRounds:
    key = (id(collection.database.client), collection.database.name)
    rounds = _rounds.get(key)
    if rounds is None:
        rounds = _rounds[key] = MarkRounds(collection)
    return rounds
