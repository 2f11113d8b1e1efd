"""Commands that change several documents, on a store that is atomic for one document only.

A rotation command changes the rotation and, often, the servant and some posts (the domain
returns ``Changed(rotation, servant, positions)``). The protocol:

1. **Settle, then read.** Any batch still pending on the documents the command will touch (its own
   rotation's, or another aggregate's aimed at the same servant or posts) is applied first, so the
   rules see the world after every committed command.
2. **Announce** the batch in ``pending_batches`` (a small registry: batch id, owner, the documents
   it will touch), the way an outbox pointer announces events. The batch id is
   ``<owner id>@v<new version>``, so two commands on the same rotation collide here already.
3. **Check right before the commit.** Each servant / post to change is re-read: it must still be at
   the version the rules saw, and no other announced batch may touch it; otherwise the command
   fails cleanly with 409, its announcement is withdrawn and nothing was written.
4. **Commit** (the commit point): one write of the owning document (the rotation; the servant for a
   registration or a servant leaving) holding its new state, its events (outbox) and the batch of
   pending effects: for each other document, the fields that change, their values before, and the
   version the change was computed on.
5. **Apply** each effect guarded by that version; the target remembers the effect id in
   ``applied_effects``, so an effect found there counts as applied (idempotent re-runs).
6. **Clear** the batch on the owner, guarded by ``pending_batch`` (the version that committed it),
   and withdraw the announcement.

A crash after 4 leaves the batch on the owner and its announcement in the registry; ``reconcile``
(a timer, and at start) applies every announced batch again, and the next command on any touched
document settles it first. An announcement whose owner never committed (a crash between 2 and 4)
holds its documents for ``ANNOUNCEMENT_GRACE`` (commands on them get 409), then the reconciler or
the next command drops it. At its first run in a process, and every ``BACKSTOP_EVERY`` after, the
reconciler also looks for pending batches on the owners themselves, in case an announcement was
lost. Events were stored with the commit, so they are published exactly as for any other write.

**The remaining window.** Because every multi-document command announces before it checks, two of
them touching the same document cannot both pass step 3: the later one sees the earlier one's
announcement. Single-document writes of a servant (the due scan's ``last_rotation_due_key``, a
mandatory-term extension, a rename) look at the registry first (``assert_idle``, the scan's
``busy``) but do not announce themselves, so one may still land between a command's check and
its effect. The applier then merges three-way, field by
field: a field still holding its old value takes the new one, a field already holding the new one
is left alone; such writers touch other fields, so the effect goes through. Should both have
changed the same field, nothing is overwritten: the effect is kept in the owner's
``effect_conflicts`` with both values, logged as an error and counted in
``personnel_effect_conflicts_total`` for an HR officer to settle.

(FerretDB 1.x evaluates ``$in`` and array-path filters by scanning the collection, so in-flight
batches are found through the small registry and documents are read one ``_id`` at a time.)
"""
import logging
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone

from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

from services.common import clock
from services.common.errors import Conflict, StaleVersion
from services.personnel.repository.repositories import PENDING_FIELDS, doc_key

log = logging.getLogger(__name__)

EFFECT_CONFLICTS = Counter("personnel_effect_conflicts_total",
                           "Pending effects that met a concurrent change of the same field",
                           ["collection"])

REGISTRY = "pending_batches"
# not part of what an effect changes: set by every write, or bookkeeping of this module
UNTRACKED = {"_id", "version", "updated_at", *PENDING_FIELDS, "applied_effects", "effect_conflicts",
             "_outbox"}
APPLIED_MEMORY = 20  # effect ids a document remembers (far more than can be in flight on it)
APPLY_ATTEMPTS = 5
ANNOUNCEMENT_GRACE = timedelta(seconds=60)  # far above any command's duration (RPC deadline 5 s)
# an effect still blocked by a unique key after this long will not get through: it is a conflict
STUCK_AFTER = timedelta(minutes=10)
# targets in this order: a servant leaves a post before the post is shown free to others
APPLY_ORDER = ("servants", "positions")

APPLIED, MERGED, CONFLICT, RETRY = "applied", "merged", "conflict", "retry"


def _unique_violation(exc: Exception) -> bool:
    # MongoDB raises DuplicateKeyError (11000); FerretDB reports a unique index violated by an
    # update as a generic OperationFailure naming the SQLite constraint.
    return isinstance(exc, DuplicateKeyError) or (
        isinstance(exc, OperationFailure)
        and (exc.code == 11000 or "UNIQUE constraint failed" in str(exc)))


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def _document_lock(repo, doc_id):
    """The relay's per-document lock, the one the repositories' own writes take: FerretDB 1.x runs
    an update as a read and a separate write, so writes of one document must not overlap in a
    process (on MongoDB the lock is merely redundant)."""
    lock = getattr(repo.relay, "document_lock", None)
    return lock(repo.db, repo.collection_name, doc_id) if lock is not None else nullcontext()


class PendingEffects:
    """Builds, announces, checks, applies and reconciles batches over the service's repositories."""

    def __init__(self, *repositories):
        self.repos = {r.collection_name: r for r in repositories}
        # aggregates that own batches
        self.owners = {n: self.repos[n] for n in ("rotations", "servants") if n in self.repos}
        self.db = repositories[0].db
        self.registry = self.db[REGISTRY]

    # -- building a batch ----------------------------------------------------------------------
    def batch(self, owner, owner_id: str, owner_version: int, changes, now: datetime) -> dict:
        """The pending fields for the owner's commit. ``changes``: (repository, before, after)."""
        batch_id = f"{owner_id}@v{owner_version}"
        effects = []
        for repo, before, after in changes:
            if after is None or after.get("version") == before.get("version"):
                continue  # the rules returned the document unchanged
            old, new = repo.to_store(before), repo.to_store(after)
            fields = sorted(k for k in set(old) | set(new) if k not in UNTRACKED
                            and old.get(k) != new.get(k))
            effects.append({
                "effect_id": f"{batch_id}>{repo.collection_name}:{old['_id']}",
                "collection": repo.collection_name, "doc_id": old["_id"],
                "expected_version": before["version"],
                "set": {k: new.get(k) for k in fields},
                "before": {k: old.get(k) for k in fields},
                "updated_at": new.get("updated_at", now),
            })
        effects.sort(key=lambda e: (APPLY_ORDER.index(e["collection"]), e["doc_id"]))
        return {"pending_batch": batch_id if effects else None, "pending_effects": effects,
                "pending_keys": [doc_key(e["collection"], e["doc_id"]) for e in effects],
                "pending_since": now if effects else None}

    # -- 2. announcing -------------------------------------------------------------------------
    def announce(self, owner, owner_id: str, batch: dict) -> None:
        if not batch["pending_batch"]:
            return
        try:
            self.registry.insert_one({"_id": batch["pending_batch"],
                                      "owner": owner.collection_name, "owner_id": owner_id,
                                      "keys": batch["pending_keys"], "created_at": clock.now_utc()})
        except DuplicateKeyError:  # another command computed the same next version of the owner
            raise StaleVersion("the document changed since it was read",
                               {"document": owner.key(owner_id)}) from None

    def withdraw(self, batch: dict) -> None:
        if batch.get("pending_batch"):
            try:
                self.registry.delete_one({"_id": batch["pending_batch"]})
            except PyMongoError:  # the reconciler drops it after the grace period
                log.warning("could not withdraw batch %s", batch["pending_batch"])

    def _announced(self, keys) -> list[dict]:
        """Announcements touching ``keys``, but for those whose command died before its commit
        (past the grace period and not held by their owner), which are dropped on the way."""
        # the registry holds only batches in flight: scanning it is cheap on any store
        wanted, found = set(keys), []
        for entry in self.registry.find({}):
            if not wanted.intersection(entry.get("keys") or ()):
                continue
            if self._never_committed(entry):
                self.registry.delete_one({"_id": entry["_id"]})
                continue
            found.append(entry)
        return found

    def _never_committed(self, entry: dict) -> bool:
        if clock.now_utc() - _aware(entry["created_at"]) <= ANNOUNCEMENT_GRACE:
            return False  # its command may still be on its way to the commit
        owner = self.owners.get(entry.get("owner"))
        raw = owner.raw(entry["owner_id"]) if owner is not None else None
        return raw is None or raw.get("pending_batch") != entry["_id"]

    def busy(self) -> set[str]:
        """Keys of every document a batch in flight touches or is owned by."""
        keys = set()
        for entry in self.registry.find({}):
            keys.update(entry.get("keys") or ())
            keys.add(doc_key(entry.get("owner", ""), entry.get("owner_id", "")))
        return keys

    # -- 1. settling ---------------------------------------------------------------------------
    def settle_owner(self, owner, doc_id) -> dict | None:
        """The owner's stored document after applying its own pending batch, if any."""
        raw = owner.raw(doc_id)
        if raw is not None and raw.get("pending_batch"):
            self.apply(owner, raw)
            raw = owner.raw(doc_id)
        return raw

    def settle_touching(self, keys, *, except_key: str | None = None) -> int:
        """Apply every committed batch of another aggregate that touches ``keys``."""
        settled = 0
        for entry in self._announced(k for k in keys if k):
            owner = self.owners.get(entry["owner"])
            if owner is None or owner.key(entry["owner_id"]) == except_key:
                continue
            raw = owner.raw(entry["owner_id"])
            if raw is not None and raw.get("pending_batch") == entry["_id"]:
                self.apply(owner, raw)
                settled += 1
        return settled

    # -- 3. the check right before the commit --------------------------------------------------
    def assert_unchanged(self, batch: dict) -> None:
        """409 unless every target is still at the version the rules saw, touched by no other
        announced batch."""
        for effect in batch["pending_effects"]:
            found = self.repos[effect["collection"]].version_of(effect["doc_id"])
            if found != effect["expected_version"]:
                key = doc_key(effect["collection"], effect["doc_id"])
                raise StaleVersion(f"{key} changed meanwhile; try again", {
                    "document": key, "expected": effect["expected_version"], "actual": found})
        for entry in self._announced(batch["pending_keys"]):
            if entry["_id"] != batch["pending_batch"]:
                raise Conflict("another change of the same documents is in progress; try again", {
                    "documents": sorted(set(entry["keys"]) & set(batch["pending_keys"]))})

    def assert_idle(self, keys) -> None:
        """For a single-document write: 409 while an announced batch is about to change it."""
        busy = self._announced(keys)
        if busy:
            raise Conflict("another change of this document is in progress; try again",
                           {"documents": sorted(set(keys))})

    # -- 5 and 6. applying and clearing --------------------------------------------------------
    def apply(self, owner, raw: dict) -> dict:
        """Apply the batch pending on ``raw`` (an owner's stored document); clear it when done.

        Returns ``{effect_id: outcome}``. A store error leaves the batch pending for the next try.
        """
        batch_id = raw.get("pending_batch")
        if not batch_id:
            return {}
        outcomes, conflicts = {}, []
        for effect in raw.get("pending_effects") or []:
            outcome, current = self._apply_one(effect)
            outcomes[effect["effect_id"]] = outcome
            if outcome == CONFLICT:
                conflicts.append(self._conflict_record(effect, current))
        if RETRY in outcomes.values():
            since = raw.get("pending_since")
            if since is None or clock.now_utc() - _aware(since) < STUCK_AFTER:
                return outcomes  # a unique key still held by a change not applied yet: next round
            for effect in raw.get("pending_effects") or []:
                if outcomes.get(effect["effect_id"]) == RETRY:
                    outcomes[effect["effect_id"]] = CONFLICT
                    conflicts.append(self._conflict_record(effect, None))
        update: dict = {"$set": {"pending_batch": None, "pending_effects": [], "pending_keys": [],
                                 "pending_since": None}}
        if conflicts:
            update["$push"] = {"effect_conflicts": {"$each": conflicts}}
        with _document_lock(owner, raw["_id"]):
            owner.collection.update_one({"_id": raw["_id"], "pending_batch": batch_id}, update)
        self.registry.delete_one({"_id": batch_id})
        return outcomes

    def _apply_one(self, effect: dict) -> tuple[str, dict | None]:
        repo = self.repos[effect["collection"]]
        with _document_lock(repo, effect["doc_id"]):
            return self._apply_locked(repo.collection, effect)

    def _apply_locked(self, collection, effect: dict) -> tuple[str, dict | None]:
        for _ in range(APPLY_ATTEMPTS):
            current = collection.find_one({"_id": effect["doc_id"]}, {"_outbox": 0})
            if current is None:
                return CONFLICT, None
            applied = current.get("applied_effects") or []
            if effect["effect_id"] in applied:
                return APPLIED, current
            if current.get("version") == effect["expected_version"]:
                todo, outcome = effect["set"], APPLIED
            else:
                todo, outcome = {}, MERGED
                for field, value in effect["set"].items():
                    if current.get(field) == value:
                        continue
                    if current.get(field) != effect["before"].get(field):
                        return CONFLICT, current
                    todo[field] = value
            version = current.get("version")
            update = {"$set": {**todo, "version": version + 1, "updated_at": effect["updated_at"],
                               "applied_effects": (applied + [effect["effect_id"]])[-APPLIED_MEMORY:]}}
            try:
                result = collection.update_one({"_id": effect["doc_id"], "version": version}, update)
            except (DuplicateKeyError, OperationFailure) as exc:
                if _unique_violation(exc):
                    log.warning("effect %s waits for a unique key held elsewhere", effect["effect_id"])
                    return RETRY, current
                raise
            if result.matched_count:
                return outcome, None
        return RETRY, None  # the document kept moving; the reconciler tries again

    def _conflict_record(self, effect: dict, current: dict | None) -> dict:
        EFFECT_CONFLICTS.labels(effect["collection"]).inc()
        log.error("pending effect %s conflicts with a concurrent change of %s %s; kept in "
                  "effect_conflicts for review", effect["effect_id"], effect["collection"],
                  effect["doc_id"])
        return {**effect, "found": None if current is None else
                {k: current.get(k) for k in effect["set"]},
                "found_version": None if current is None else current.get("version")}

    def try_apply(self, owner, raw: dict) -> dict | None:
        """``apply``, or None when the store failed (logged): the batch stays pending, and the
        reconciler or the next command on its documents finishes it."""
        try:
            return self.apply(owner, raw)
        except PyMongoError:
            log.warning("effects of %s deferred", raw.get("pending_batch"), exc_info=True)
            return None

    # -- what the reconciler (application.reconciling) reads and drops ------------------------
    def announcements(self, limit: int) -> list[dict]:
        """The oldest ``limit`` announced batches."""
        return list(self.registry.find({}).sort("created_at", 1).limit(limit))

    def committed_owner(self, entry: dict):
        """``(owner repository, owner's stored document)`` if the owner committed the announced
        batch, else ``(owner, None)``."""
        owner = self.owners.get(entry.get("owner"))
        raw = owner.raw(entry["owner_id"]) if owner is not None else None
        if raw is None or raw.get("pending_batch") != entry["_id"]:
            return owner, None
        return owner, raw

    def drop_if_never_committed(self, entry: dict) -> bool:
        if not self._never_committed(entry):
            return False
        self.registry.delete_one({"_id": entry["_id"]})
        return True

    def recover_unannounced(self) -> None:
        """Announce again every batch pending on an owner whose announcement was lost."""
        for name, owner in self.owners.items():
            for raw in owner.collection.find({"pending_batch": {"$ne": None}},
                                             {"_id": 1, "pending_batch": 1, "pending_keys": 1,
                                              "pending_since": 1}):
                self.registry.update_one({"_id": raw["pending_batch"]}, {"$setOnInsert": {
                    "owner": name, "owner_id": raw["_id"], "keys": raw.get("pending_keys") or [],
                    "created_at": raw.get("pending_since") or clock.now_utc()}}, upsert=True)
