"""How a personnel command changes several documents on a store that is atomic for one document
only: the orchestration of the protocol whose store side is ``repository.effects``.

1. **Settle, then read.** Any batch still pending on the documents the command will touch (its own
   rotation's, or another aggregate's aimed at the same servant or posts) is applied first, so the
   rules see the world after every committed command.
2. **Decide**: the domain command returns the new documents and its events.
3. **Announce, then check right before the commit** (``_check``): 409 on a race, nothing written.
4. **Commit** (``_write``) the owning document with its events and the batch of pending effects.
5. **Apply** the effects and clear the batch (``_apply``); a crash or a store error here leaves the
   batch for the reconciler (``reconciling``) or the next command on the same documents.
"""
from services.common.errors import (
    Conflict,
    DuplicateKey,
    NotFound,
    PlatformError,
    RuleViolation,
)
from services.personnel import domain
from services.personnel.application import views
from services.personnel.repository.effects import PendingEffects


def facts_with_region(facts) -> list[tuple]:
    """Every personnel event's envelope region is the servant's home region."""
    return [(event_type, payload, domain.event_region(payload)) for event_type, payload in facts]


def unknown(field: str, what: str) -> NotFound:
    """A document named in a body that does not exist: 404 naming the field (the body is well
    formed; what it names is missing, as a missing path id is a 404)."""
    return NotFound(f"unknown {what}", {field: [f"unknown {what}"]})


class MultiDocumentCommands:
    """The protocol's steps over the service's repositories (``PersonnelCommands`` builds on it)."""

    def __init__(self, *, positions, servants, rotations):
        self.positions, self.servants, self.rotations = positions, servants, rotations
        self.effects = PendingEffects(positions, servants, rotations)

    def _settled_servant(self, servant_id: str, *, field: str | None = None) -> dict:
        raw = self.effects.settle_owner(self.servants, servant_id)
        if raw is None:
            if field:
                raise unknown(field, "civil servant")
            raise NotFound("civil servant not found", {"servant_id": servant_id})
        if raw.get("pending_batch"):
            raise Conflict("an earlier change of this servant is still being applied; try again",
                           {"servant_id": servant_id})
        return self.servants.from_store(raw)

    def _settled_rotation(self, rotation_id: str) -> dict:
        raw = self.effects.settle_owner(self.rotations, rotation_id)
        if raw is None:
            raise NotFound("rotation not found", {"rotation_id": rotation_id})
        if raw.get("pending_batch"):
            raise Conflict("an earlier change of this rotation is still being applied; try again",
                           {"rotation_id": rotation_id})
        return self.rotations.from_store(raw)

    def _settle_around(self, servant_id: str, post_ids, except_key: str | None = None) -> None:
        keys = [self.servants.key(servant_id)] + [self.positions.key(p) for p in post_ids if p]
        self.effects.settle_touching(keys, except_key=except_key)

    def _rotation_context(self, rotation_id: str, extra_post_ids=()):
        rotation = self._settled_rotation(rotation_id)
        post_ids = domain.positions_to_load(rotation, *extra_post_ids)
        self._settled_servant(rotation["servant_id"])
        self._settle_around(rotation["servant_id"], post_ids,
                            except_key=self.rotations.key(rotation_id))
        servant = self.servants.find(rotation["servant_id"])
        return rotation, servant, self.positions.get_many(post_ids)

    def _commit(self, before: dict | None, changed, facts, servant: dict | None, posts: dict,
                now) -> dict:
        rotation = changed.rotation
        rotation_id = rotation["rotation_id"]
        moves = [(self.servants, servant, changed.servant)] if changed.servant is not None else []
        moves += [(self.positions, posts[p["position_id"]], p) for p in changed.positions]
        batch = self.effects.batch(self.rotations, rotation_id, rotation["version"], moves, now)
        self._check(self.rotations, rotation_id, batch)
        doc, events = {**rotation, **batch}, facts_with_region(facts)
        if before is None:
            try:
                self._write(lambda: self.rotations.save_new(doc, events), batch)
            except DuplicateKey:  # a concurrent request for the same servant got there first
                raise RuleViolation("another rotation is open", {
                    "rule": "open_rotation_exists", "servant_id": rotation["servant_id"]}) from None
        else:
            self._write(lambda: self.rotations.save_versioned(doc, before["version"], events), batch)
        self._apply(self.rotations, rotation_id, batch)
        return views.rotation(rotation)

    def _check(self, owner, owner_id: str, batch: dict) -> None:
        """Announce the batch, then check its targets right before the commit (409 on a race)."""
        self.effects.announce(owner, owner_id, batch)
        try:
            self.effects.assert_unchanged(batch)
        except Exception:
            self.effects.withdraw(batch)
            raise

    def _write(self, commit, batch: dict):
        try:
            return commit()
        except PlatformError:  # refused (stale version, duplicate): nothing was committed
            self.effects.withdraw(batch)
            raise
        # Any other failure may have come after the write landed: the announcement stays, and the
        # reconciler applies the batch if the owner holds it, or drops it after the grace period.

    def _apply(self, owner, owner_id: str, batch: dict) -> None:
        if not batch["pending_batch"]:
            return
        # a store error leaves the commit standing; the reconciler finishes the effects
        self.effects.try_apply(owner, {"_id": owner_id, **batch})
