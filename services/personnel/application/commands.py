"""The personnel service's commands: load the body, read the documents, run the domain rule,
persist the result.

Plain Python over the injected repositories (no nameko). Single-document changes use the
repositories' versioned writes; commands that change several documents go through the steps of
``multi_document``: settle, read, decide, check, commit the owning document with its events and
pending effects, apply them, clear them.
"""
import uuid

from services.common import clock as platform_clock
from services.common.errors import DuplicateKey, RuleViolation
from services.common.loading import load
from services.personnel import domain
from services.personnel.application import views
from services.personnel.application.multi_document import MultiDocumentCommands, facts_with_region, unknown
from services.personnel.contract.rpc import (
    CivilServantCreateSchema,
    CivilServantUpdateSchema,
    IncentiveSchema,
    MandatoryRotationExtensionSchema,
    OrganisationCreateSchema,
    PositionCreateSchema,
    ReserveReturnPostSchema,
    RotationApproveSchema,
    RotationCancelSchema,
    RotationCompleteSchema,
    RotationExtendSchema,
    RotationRejectSchema,
    RotationRequestSchema,
    RotationReturnSchema,
    RotationStartSchema,
)
from services.personnel.domain.ministry import refuse_if_closed


class PersonnelCommands(MultiDocumentCommands):
    def __init__(self, *, organisations, positions, servants, rotations, clock=platform_clock.now_utc,
                 settings: domain.PersonnelSettings = domain.DEFAULT_SETTINGS):
        super().__init__(positions=positions, servants=servants, rotations=rotations)
        self.organisations = organisations
        self.clock, self.settings = clock, settings

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
