"""The personnel service's commands: read the documents, run the domain rule, persist the result.

Plain Python over the injected repositories (no nameko), so ``service.py`` stays entrypoints
only. Single-document changes use the repositories' versioned writes; commands that change
several documents follow ``repository.effects``: settle, read, decide, check, commit the owning
document with its events and pending effects, apply them, clear them.
"""
import uuid

from services.common.errors import (Conflict, DuplicateKey, NotFound, PlatformError,
                                    RuleViolation, ValidationFailed)
from services.common import clock as platform_clock
from services.personnel import domain
from services.personnel.application import views
from services.personnel.domain.ministry import refuse_if_closed
from services.personnel.repository.effects import PendingEffects
from services.common.loading import load
from services.personnel.contract.rpc import (CivilServantCreateSchema, CivilServantUpdateSchema,
                                        IncentiveSchema, MandatoryRotationExtensionSchema,
                                        OrganisationCreateSchema, PositionCreateSchema,
                                        ReserveReturnPostSchema, RotationApproveSchema,
                                        RotationCancelSchema, RotationCompleteSchema,
                                        RotationExtendSchema, RotationRejectSchema,
                                        RotationRequestSchema, RotationReturnSchema,
                                        RotationStartSchema)


def facts_with_region(facts) -> list[tuple]:
    """Every personnel event's envelope region is the servant's home region."""
    return [(event_type, payload, domain.event_region(payload)) for event_type, payload in facts]


def unknown(field: str, what: str) -> ValidationFailed:
    return ValidationFailed(f"unknown {what}", {field: [f"unknown {what}"]})


class PersonnelCommands:
    def __init__(self, *, organisations, positions, servants, rotations, clock=platform_clock.now_utc,
                 settings: domain.PersonnelSettings = domain.DEFAULT_SETTINGS):
        self.organisations, self.positions = organisations, positions
        self.servants, self.rotations = servants, rotations
        self.clock, self.settings = clock, settings
        self.effects = PendingEffects(positions, servants, rotations)

    # -- organisations and posts ---------------------------------------------------------------
    def create_organisation(self, data: dict) -> dict:
        data = load(OrganisationCreateSchema, data)
        org, _ = domain.create_organisation(data, org_id=str(uuid.uuid4()), now=self.clock())
        org.update(status="active", closed_at=None)
        return views.organisation(self.organisations.save_new(org))

    def create_position(self, data: dict) -> dict:
        data = load(PositionCreateSchema, data)
        org = self.organisations.find(data["org_id"])
        if org is None:
            raise unknown("org_id", "organisation")
        refuse_if_closed(org)
        post, _ = domain.create_position(data, org, position_id=str(uuid.uuid4()), now=self.clock(),
                                         settings=self.settings)
        return views.position(self.positions.save_new(post))

    # -- civil servants ------------------------------------------------------------------------
    def register_civil_servant(self, data: dict) -> dict:
        data = load(CivilServantCreateSchema, data)
        position_id = data.pop("position_id")
        self.effects.settle_touching([self.positions.key(position_id)])
        post = self.positions.find(position_id)
        if post is None:
            raise unknown("position_id", "position")
        org = self.organisations.find(post["org_id"])
        if org is not None:
            refuse_if_closed(org)
        if self.servants.iin_taken(data["iin"]):  # the unique index decides races (below)
            raise DuplicateKey("a civil servant with this IIN is already registered",
                               {"fields": ["iin"]})
        now = self.clock()
        servant_id = str(uuid.uuid4())
        changed, facts = domain.register_civil_servant(data, servant_id=servant_id, position=post,
                                                       now=now, settings=self.settings)
        servant = changed.servant
        batch = self.effects.batch(self.servants, servant_id, servant["version"],
                                   [(self.positions, post, changed.position(position_id))], now)
        self._check(self.servants, servant_id, batch)
        try:
            self._write(lambda: self.servants.save_new({**servant, **batch},
                                                       facts_with_region(facts)), batch)
        except DuplicateKey:
            if self.servants.iin_taken(data["iin"]):
                raise DuplicateKey("a civil servant with this IIN is already registered",
                                   {"fields": ["iin"]}) from None
            raise RuleViolation("the post has a holder already", {
                "rule": "position_status", "position_id": position_id, "status": "occupied",
                "action": "occupy", "allowed": ["vacant"]}) from None
        self._apply(self.servants, servant_id, batch)
        return views.servant(servant, self.settings)

    def update_civil_servant(self, servant_id: str, changes: dict) -> dict:
        changes = load(CivilServantUpdateSchema, changes)
        servant = self._settled_servant(servant_id)
        self.effects.settle_touching([self.servants.key(servant_id),
                                      self.positions.key(servant.get("position_id") or "")])
        servant = self.servants.find(servant_id)
        post = self.positions.find(servant["position_id"]) if servant.get("position_id") else None
        now = self.clock()
        changed, _ = domain.update_civil_servant(servant, changes, now=now, position=post)
        new = changed.servant
        moves = [(self.positions, post, p) for p in changed.positions]
        batch = self.effects.batch(self.servants, servant_id, new["version"], moves, now)
        if not batch["pending_batch"]:
            self.effects.assert_idle([self.servants.key(servant_id)])
        self._check(self.servants, servant_id, batch)
        self._write(lambda: self.servants.save_versioned(
            {**new, **batch} if batch["pending_batch"] else new, servant["version"]), batch)
        self._apply(self.servants, servant_id, batch)
        return views.servant(new, self.settings)

    def extend_mandatory_term(self, servant_id: str, data: dict, by: str) -> dict:
        data = load(MandatoryRotationExtensionSchema, data)
        self._settled_servant(servant_id)
        self.effects.settle_touching([self.servants.key(servant_id)])
        servant = self.servants.find(servant_id)
        new, _ = domain.extend_mandatory_rotation(servant, authority=data["authority"],
                                                  until=data["until"], basis=data["basis"], by=by,
                                                  now=self.clock(), settings=self.settings)
        self.effects.assert_idle([self.servants.key(servant_id)])
        return views.servant(self.servants.save_versioned(new, servant["version"]), self.settings)

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

    # -- rotations -----------------------------------------------------------------------------
    def request_rotation(self, data: dict, by: str) -> dict:
        data = load(RotationRequestSchema, data)
        servant_id = data.pop("servant_id")
        servant = self._settled_servant(servant_id, field="servant_id")
        post_ids = [servant.get("position_id"), data["target_position_id"],
                    data.get("return_position_id")]
        self._settle_around(servant_id, post_ids)
        servant = self.servants.find(servant_id)
        posts = self.positions.get_many(post_ids)
        for field in ("target_position_id", "return_position_id"):
            if data.get(field) and data[field] not in posts:
                raise unknown(field, "position")
        target_org = self.organisations.find(posts[data["target_position_id"]]["org_id"])
        if target_org is not None:
            refuse_if_closed(target_org)
        now = self.clock()
        changed, facts = domain.request_rotation(
            data, rotation_id=str(uuid.uuid4()), servant=servant, posts=posts, by=by, now=now,
            today=platform_clock.civil_date(now), open_rotations=self.rotations.open_for_servant(servant_id),
            settings=self.settings)
        return self._commit(None, changed, facts, servant, posts, now)

    def approve_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationApproveSchema, data)
        rotation = self._settled_rotation(rotation_id)
        now = self.clock()
        changed, facts = domain.approve_rotation(rotation, side=data["side"], by=by, now=now,
                                                 comment=data.get("comment"))
        return self._commit(rotation, changed, facts, None, {}, now)

    def reject_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationRejectSchema, data)
        return self._closing(domain.reject_rotation, rotation_id, data["reason"], by)

    def cancel_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationCancelSchema, data)
        return self._closing(domain.cancel_rotation, rotation_id, data["reason"], by)

    def _closing(self, command, rotation_id: str, reason: str, by: str) -> dict:
        rotation, servant, posts = self._rotation_context(rotation_id)
        now = self.clock()
        changed, facts = command(rotation, servant=servant, posts=posts, by=by, now=now,
                                 reason=reason)
        return self._commit(rotation, changed, facts, servant, posts, now)

    def start_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationStartSchema, data)
        rotation, servant, posts = self._rotation_context(rotation_id)
        now = self.clock()
        changed, facts = domain.start_rotation(rotation, servant=servant, posts=posts,
                                               start_date=data["start_date"], by=by, now=now,
                                               comment=data.get("comment"), settings=self.settings)
        return self._commit(rotation, changed, facts, servant, posts, now)

    def extend_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationExtendSchema, data)
        rotation = self._settled_rotation(rotation_id)
        now = self.clock()
        changed, facts = domain.extend_rotation(rotation, new_end=data["new_end"],
                                                basis=data["basis"], by=by, now=now,
                                                settings=self.settings)
        return self._commit(rotation, changed, facts, None, {}, now)

    def return_from_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationReturnSchema, data)
        rotation, servant, posts = self._rotation_context(rotation_id)
        now = self.clock()
        changed, facts = domain.return_from_rotation(rotation, posts=posts,
                                                     return_date=data["return_date"], by=by,
                                                     now=now, comment=data.get("comment"))
        return self._commit(rotation, changed, facts, servant, posts, now)

    def complete_rotation(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(RotationCompleteSchema, data)
        chosen = data.get("return_position_id")
        rotation, servant, posts = self._rotation_context(rotation_id, extra_post_ids=(chosen,))
        if chosen and chosen not in posts:
            raise unknown("return_position_id", "position")
        now = self.clock()
        changed, facts = domain.complete_rotation(
            rotation, servant=servant, posts=posts, end_date=data["end_date"], by=by, now=now,
            return_position_id=chosen, comment=data.get("comment"), settings=self.settings)
        return self._commit(rotation, changed, facts, servant, posts, now)

    def record_incentive(self, rotation_id: str, data: dict, by: str) -> dict:
        incentive = load(IncentiveSchema, data)
        rotation = self._settled_rotation(rotation_id)
        now = self.clock()
        changed, facts = domain.record_incentive(rotation, incentive, by=by, now=now,
                                                 settings=self.settings)
        return self._commit(rotation, changed, facts, None, {}, now)

    def reserve_return_post(self, rotation_id: str, data: dict, by: str) -> dict:
        data = load(ReserveReturnPostSchema, data)
        chosen = data.get("position_id")
        rotation, servant, posts = self._rotation_context(rotation_id, extra_post_ids=(chosen,))
        if chosen and chosen not in posts:
            raise unknown("position_id", "position")
        if not chosen:  # the rules pick the best free post on the home side
            candidates = {p["position_id"]: p for p in self.positions.home_side_candidates(rotation)}
            posts = {**candidates, **posts}
        now = self.clock()
        changed, facts = domain.reserve_return_post(rotation, servant=servant, posts=posts, by=by,
                                                    now=now, position_id=chosen, settings=self.settings)
        return self._commit(rotation, changed, facts, servant, posts, now)

    # -- the multi-document protocol (see repository.effects) ---------------------------------
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
