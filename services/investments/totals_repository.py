"""Each region's project totals, stored, and exact in the very next read after a write.

Reading a region's 5,000 projects costs seconds on the local store (FerretDB decodes every
matching document), so the region summary reads one stored totals document per region and
corrects it by the projects written since it was folded:

- every project write sets ``totals_dirty: true`` in the same single-document write as the change
  (``ProjectRepository.to_store``), so no crash can separate a change from its mark;
- a fold (a timer in every replica) reads a region's dirty projects (an equality filter the store
  serves from its index), adds to the totals what changed, and stores the totals with the *batch* it
  folded (project id -> version and contribution), guarded by the totals' version; only then does it
  record in each project the contribution folded (``totals_folded``) and clear the mark if the
  project did not move on meanwhile;
- the totals include, for a project in the stored batch, the batch's contribution, and otherwise the
  project's ``totals_folded`` (none for a project never folded). A summary adds each dirty project's
  current contribution and takes that one away; a clean project is included as it is.

A fold that dies after storing the totals leaves projects marked and not yet recorded: the stored
batch still says what the totals include for them, and the next fold first records that batch again
(idempotent), so a crash delays the clean-up and never makes a summary wrong. Two replicas folding
at once: one stores its totals, the other's guarded write matches nothing and it stops.

What a fold costs when little changed (it runs every few seconds for every region): a batch this
process recorded is not recorded again (``_RECORDED``), and a project already recorded at its
version is left out of the recording writes by their filters. Every update of the store bumps the
storage revision (services/common/guarded.py), so recording a project again was a whole-document
write on the local store, repeated for every project of every region's last batch at every tick.
"""
import json
import logging
import uuid

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from services.investments.domain import summary_totals

log = logging.getLogger(__name__)

TOTALS_COLLECTION = "region_project_totals"
DIRTY = "totals_dirty"
FOLDED = "totals_folded"
FOLDED_VERSION = "totals_folded_version"
TOTALS_FIELDS = frozenset({DIRTY, FOLDED, FOLDED_VERSION})
CONTRIBUTION_FIELDS = {"stage": 1, "sector": 1, "cost_kzt": 1, "jobs_planned": 1,
                       "jobs_created": 1, "invested_to_date_kzt": 1, "priority": 1, "version": 1,
                       FOLDED: 1}
# Projects folded at once: bounds one fold's time and the stored batch every summary reads.
FOLD_BATCH = 500
# A summary re-reads when a fold stored new totals while it read the dirty projects.
READ_ATTEMPTS = 5
# (totals collection, region) -> the ``batch_id`` of the stored batch this process has recorded
_RECORDED: dict[tuple[str, str], str] = {}


def folded_project(stored: dict) -> dict:
    """A project's stored form as a fold leaves it once recorded: its contribution folded at its
    version, no mark (a bulk loader that stores the totals itself stores projects this way)."""
    return {**stored, DIRTY: False, FOLDED: summary_totals.contribution(stored),
            FOLDED_VERSION: stored["version"]}


def totals_document(region_code: str, totals: dict, version: int = 1, batch: dict | None = None
                    ) -> dict:
    """A region's stored totals document (JSON text: the local store decodes one string far
    faster than nested documents)."""
    return {"_id": region_code, "totals": json.dumps(totals), "batch": json.dumps(batch or {}),
            "batch_id": uuid.uuid4().hex,  # which batch a process has recorded (_RECORDED)
            "version": version}


class RegionTotals:
    """The stored totals of the regions' projects, over the projects' (guarded) collection."""

    def __init__(self, projects_collection, totals_collection, pages=None, stages=()):
        self.projects = projects_collection
        self.totals = totals_collection
        # the stored first pages (stage_pages.StagePages) kept by the same marks, if any
        self.pages = pages
        self.stages = tuple(stages)

    # -- reading ---------------------------------------------------------------------------------
    def summary(self, region_code: str) -> dict | None:
        """The region's exact summary (``domain.region_summary`` shape), or None when the region
        has no stored totals yet (the caller adds up the projects)."""
        for _ in range(READ_ATTEMPTS):
            stored = self._stored(region_code)
            if stored is None:
                return None
            dirty = self._dirty(region_code)
            again = self.totals.find_one({"_id": region_code}, {"version": 1})
            if again is not None and again["version"] == stored["version"]:
                totals = summary_totals.corrected(stored["totals"],
                                                  self._corrections(dirty, stored["batch"]))
                return summary_totals.as_summary(totals)
        log.warning("region %s: totals kept changing while read; adding up its projects",
                    region_code)
        return None

    # -- folding ---------------------------------------------------------------------------------
    def regions_due(self, regions) -> set[str]:
        """Those of ``regions`` a fold has work in: projects written since their last fold (a
        failed fold's batch too: its projects keep their marks), or no stored totals yet."""
        stored = {d["_id"] for d in self.totals.find({}, {"_id": 1})}
        written = set(self.projects.distinct("region_code", {DIRTY: True}))
        return {r for r in regions if r in written or r not in stored}

    def fold(self, region_code: str, limit: int = FOLD_BATCH) -> int:
        """Fold up to ``limit`` of the region's dirty projects into its totals; how many."""
        stored = self._stored(region_code)
        if stored is None:
            # projects stored before the totals existed carry no mark: mark them once
            self.projects.update_many({"region_code": region_code, DIRTY: {"$exists": False}},
                                      {"$set": {DIRTY: True}})
            stored = {"version": 0, "totals": summary_totals.empty_totals(), "batch": {}}
        else:
            self._record_once(region_code, stored["batch_id"], stored["batch"])
        if stored["version"] and self.projects.find_one(
                {"region_code": region_code, DIRTY: True}, {"_id": 1}) is None:
            return 0  # nothing written since: the pages are not even read
        # the pages are read before the projects, and stored before the totals: the batch the
        # totals hold is in the pages already when the next fold records it
        pages = self.pages.stored(region_code) if self.pages is not None else None
        dirty = self._dirty(region_code, limit, whole=pages is not None)
        if not dirty and stored["version"]:
            return 0
        if pages is not None and not self.pages.merged_writes(region_code, pages, dirty,
                                                              self.stages):
            return 0  # another replica stored a page first: the next fold does this
        totals = summary_totals.corrected(stored["totals"],
                                          self._corrections(dirty, stored["batch"]))
        batch = {d["_id"]: {"version": d["version"],
                            "contribution": summary_totals.contribution(d)} for d in dirty}
        fields = totals_document(region_code, totals, stored["version"] + 1, batch)
        del fields["_id"]
        if stored["version"] == 0:
            try:
                self.totals.insert_one({"_id": region_code, **fields})
            except DuplicateKeyError:
                return 0  # another replica stored the first totals
        elif self.totals.update_one({"_id": region_code, "version": stored["version"]},
                                    {"$set": fields}).matched_count == 0:
            return 0  # another replica folded first
        self._record_once(region_code, fields["batch_id"], batch)
        return len(dirty)

    def _record_once(self, region_code: str, batch_id: str | None, batch: dict) -> None:
        """``record`` the stored batch ``batch_id`` unless this process did."""
        key = (self.totals.full_name, region_code)
        if batch_id is not None and _RECORDED.get(key) == batch_id:
            return
        self.record(batch)
        _RECORDED[key] = batch_id

    def record(self, batch: dict) -> None:
        """Record in each project of a stored batch the contribution its totals include, and
        clear its mark when it is still at the folded version (idempotent). Bulk writes: a fold
        after a bulk load records thousands of projects. The second, for projects written again
        since, only when the first did not match them all."""
        if not batch:
            return
        at_version, moved_on = [], []
        for project_id, entry in batch.items():
            version, contrib = entry["version"], entry["contribution"]
            # not when recorded already: still marked, or recorded at another version
            at_version.append(UpdateOne(
                {"_id": project_id, "version": version,
                 "$or": [{DIRTY: True}, {FOLDED_VERSION: {"$ne": version}}]},
                {"$set": {FOLDED: contrib, FOLDED_VERSION: version, DIRTY: False}}))
            # written again since: it stays marked, its totals include this contribution
            moved_on.append(UpdateOne(
                {"_id": project_id, "version": {"$ne": version},
                 "$or": [{FOLDED_VERSION: {"$lt": version}}, {FOLDED_VERSION: {"$exists": False}}]},
                {"$set": {FOLDED: contrib, FOLDED_VERSION: version}}))
        # every one of these may run twice (guarded.py: a refusal reported for a whole command)
        if self.projects.bulk_write(at_version, ordered=False,
                                    idempotent=True).matched_count == len(at_version):
            return  # every project is still at its folded version: none moved on
        self.projects.bulk_write(moved_on, ordered=False, idempotent=True)

    # -- helpers ---------------------------------------------------------------------------------
    def _stored(self, region_code: str) -> dict | None:
        doc = self.totals.find_one({"_id": region_code})
        if doc is None:
            return None
        # JSON text (totals_document)
        return {"version": doc["version"], "totals": json.loads(doc["totals"]),
                "batch": json.loads(doc["batch"]), "batch_id": doc.get("batch_id")}

    def _dirty(self, region_code: str, limit: int = 0, whole: bool = False) -> list[dict]:
        return list(self.projects.find({"region_code": region_code, DIRTY: True},
                                       {"_outbox": 0} if whole else CONTRIBUTION_FIELDS,
                                       limit=limit))

    @staticmethod
    def _corrections(dirty, batch: dict) -> list[tuple[dict, dict | None]]:
        """(current, included) contributions of each dirty project."""
        pairs = []
        for doc in dirty:
            entry = batch.get(doc["_id"])
            included = entry["contribution"] if entry is not None else doc.get(FOLDED)
            pairs.append((summary_totals.contribution(doc), included))
        return pairs
