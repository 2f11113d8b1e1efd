"""Commands on the rotation aggregate (region→centre secondments, postings to regions).

Each command takes the current documents and returns ``(Changed, [(event_type, payload), ...])``.
Posts are passed as ``posts``: a mapping ``position_id → post`` holding at least the posts
``positions_to_load`` names; a missing one is ``NotFound``. Every payload carries ``home_region``
(the envelope's ``region_code``), ``from_region`` / ``to_region`` (None for a central body) and
``direction``, so the hub counts flows per region without reading personal data; no payload
carries the IIN.
"""
from datetime import date, datetime

from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.personnel.contract.lists import APPROVAL_SIDES
from services.personnel.domain.dates import add_months
from services.personnel.domain.documents import Changed, Event, loaded, new_document, require_aware, revised
from services.personnel.domain.eligibility import eligibility_failures, raise_first
from services.personnel.domain.incentives import check_incentives_total, validate_incentives
from services.personnel.domain.organisations import release_reservation, reserve
from services.personnel.domain.return_posts import pick_return_post, return_post_problem, return_post_record
from services.personnel.domain.rotation_states import next_status, record
from services.personnel.domain.settings import DEFAULT_SETTINGS, DIRECTIONS, PersonnelSettings

CAREER_CREDIT_KIND = "rotation_cycle"


def is_plain_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def require_text(value, field: str, problems: dict) -> None:
    require(isinstance(value, str) and value.strip() != "", field, "required", problems)


def direction_between(origin_post: dict, target_post: dict) -> str:
    """``region_to_centre``, ``centre_to_region`` or ``region_to_region``; anything else is refused."""
    origin_central = origin_post["org_kind"] == "central"
    target_central = target_post["org_kind"] == "central"
    if not origin_central and target_central:
        return "region_to_centre"
    if origin_central and not target_central:
        return "centre_to_region"
    if not origin_central and origin_post["region_code"] != target_post["region_code"]:
        return "region_to_region"
    raise RuleViolation("a rotation moves between the centre and a region or between two regions", {
        "rule": "direction_invalid", "from_region": origin_post["region_code"],
        "to_region": target_post["region_code"]})


def positions_to_load(rotation: dict, *extra_ids: str | None) -> list[str]:
    """Post ids a command on ``rotation`` may read: origin, target, reserved return post, extras."""
    ids = {rotation.get("from_position_id"), rotation.get("to_position_id"),
           (rotation.get("return_post") or {}).get("position_id"), *extra_ids}
    return sorted(i for i in ids if i)


def rotation_fact(rotation: dict, **extra) -> dict:
    """The part of every rotation event payload that locates the move."""
    fact = {key: rotation[key] for key in (
        "rotation_id", "servant_id", "direction", "home_region", "from_region", "to_region",
        "from_org_id", "to_org_id", "from_position_id", "to_position_id", "status")}
    fact.update(extra)
    return fact


def _term_problem(start: date, end: date, settings: PersonnelSettings) -> RuleViolation | None:
    shortest, longest = add_months(start, settings.min_term_months), add_months(start, settings.max_term_months)
    if shortest <= end <= longest:
        return None
    return RuleViolation(
        f"term must be {settings.min_term_months}-{settings.max_term_months} months",
        {"rule": "secondment_term", "min_months": settings.min_term_months,
         "max_months": settings.max_term_months, "earliest_end": shortest.isoformat(),
         "latest_end": longest.isoformat(), "requested_end": end.isoformat()})


def _reserve_into(rotation: dict, servant: dict, post: dict, posts: dict, *, by: str,
                  now: datetime) -> list[dict]:
    """Reserve ``post`` on the (revised) ``rotation``; release an earlier, different reservation."""
    changed = []
    previous = (rotation.get("return_post") or {}).get("position_id")
    if previous and previous != post["position_id"]:
        changed.append(release_reservation(loaded(posts, previous), rotation["rotation_id"], now=now))
    changed.append(reserve(post, rotation["rotation_id"], now=now, holder_id=servant["servant_id"]))
    rotation["return_post"] = return_post_record(post, by=by, at=now)
    return changed


def request_rotation(data: dict, *, rotation_id: str, servant: dict, posts: dict, by: str,
                     now: datetime, today: date, open_rotations=(),
                     settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """Open a rotation of ``servant`` from their post to ``data['target_position_id']``.

    ``data``: target_position_id, planned_start (not before ``today``), planned_end or
    term_months, direction (optional; must match the posts), basis, incentives (optional list),
    return_position_id (optional: reserve the return post right away).
    ``posts`` holds the servant's post, the target post and the return post if named.
    """
    require_aware(now)
    problems: dict = {}
    target_id = data.get("target_position_id")
    require_text(target_id, "target_position_id", problems)
    start = data.get("planned_start")
    require(is_plain_date(start), "planned_start", "required: a date", problems)
    if is_plain_date(start):
        require(start >= today, "planned_start", "must not be in the past", problems)
    end, months = data.get("planned_end"), data.get("term_months")
    if (end is None) == (months is None):
        problems.setdefault("planned_end", []).append("give exactly one of planned_end, term_months")
    elif end is not None:
        require(is_plain_date(end), "planned_end", "must be a date", problems)
    else:
        require(isinstance(months, int) and not isinstance(months, bool) and months > 0,
                "term_months", "must be a positive whole number", problems)
    if data.get("direction") is not None:
        require(data["direction"] in DIRECTIONS, "direction", f"must be one of {list(DIRECTIONS)}",
                problems)
    basis = data.get("basis")
    require(basis is None or (isinstance(basis, str) and len(basis) <= 1000), "basis",
            "at most 1000 characters of text", problems)
    raise_if_problems(problems)
    basis = (basis or "").strip() or None
    incentives = validate_incentives(data.get("incentives"), settings)
    check_incentives_total(incentives, settings)
    if end is None:
        end = add_months(start, months)

    if not servant.get("position_id"):
        raise RuleViolation("servant holds no post", {"rule": "servant_not_active",
                                                      "status": servant["status"]})
    origin = loaded(posts, servant["position_id"])
    target = loaded(posts, target_id)
    direction = direction_between(origin, target)
    if data.get("direction") is not None and data["direction"] != direction:
        raise ValidationFailed("direction does not match the posts",
                               {"direction": [f"the posts make this {direction}"]})
    raise_first(eligibility_failures(servant, target, today=today, open_rotations=open_rotations,
                                     settings=settings))
    term_problem = _term_problem(start, end, settings)
    if term_problem is not None:
        raise term_problem

    rotation = new_document({
        "rotation_id": rotation_id,
        "servant_id": servant["servant_id"],
        "direction": direction,
        "home_region": servant["home_region"],
        "from_region": origin["region_code"], "to_region": target["region_code"],
        "from_org_id": origin["org_id"], "to_org_id": target["org_id"],
        "from_position_id": origin["position_id"], "to_position_id": target["position_id"],
        "from_corps": origin["corps"], "from_category": origin["category"],
        "to_category": target["category"],
        "status": "requested",
        "basis": basis,
        "planned_start": start, "planned_end": end,
        "actual_start": None, "return_date": None, "actual_end": None,
        "approvals": [], "return_post": None, "final_position_id": None,
        "extensions": [], "incentives": incentives,
        "requested_by": by, "duration_days": None, "career_credit_awarded": False,
        "history": [{"action": "request", "from_status": None, "to_status": "requested",
                     "by": by, "at": now, "comment": basis}],
    }, now=now)
    changed_posts = []
    if data.get("return_position_id"):
        post = loaded(posts, data["return_position_id"])
        problem = return_post_problem(rotation, post, servant_id=servant["servant_id"],
                                      on_return=False, settings=settings)
        if problem is not None:
            raise problem
        changed_posts = _reserve_into(rotation, servant, post, posts, by=by, now=now)
        rotation["history"].append({"action": "reserve_return_post", "from_status": "requested",
                                    "to_status": "requested", "by": by, "at": now,
                                    "comment": f"return post {post['position_id']}"})
    new_servant = revised(servant, now=now)
    new_servant["open_rotation_id"] = rotation_id
    event = ("rotation_requested", rotation_fact(
        rotation, planned_start=start, planned_end=end, requested_by=by,
        return_position_id=(rotation["return_post"] or {}).get("position_id")))
    return Changed(rotation=rotation, servant=new_servant, positions=tuple(changed_posts)), [event]


def reserve_return_post(rotation: dict, *, servant: dict, posts: dict, by: str, now: datetime,
                        position_id: str | None = None,
                        settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """Reserve the guaranteed return post: ``position_id`` if given (validated), else the best of
    ``posts`` (candidates on the home side; see ``pick_return_post``)."""
    require_aware(now)
    next_status(rotation["status"], "reserve_return_post")
    if position_id is not None:
        post = loaded(posts, position_id)
        problem = return_post_problem(rotation, post, servant_id=servant["servant_id"],
                                      on_return=False, settings=settings)
        if problem is not None:
            raise problem
    else:
        post = pick_return_post(rotation, posts.values(), servant_id=servant["servant_id"],
                                settings=settings)
        if post is None:
            raise RuleViolation("no free post of at least the same category on the home side", {
                "rule": "no_return_post_available", "home_region": rotation["home_region"],
                "required_at_least": rotation["from_category"]})
    new = revised(rotation, now=now)
    changed_posts = _reserve_into(new, servant, post, posts, by=by, now=now)
    record(new, "reserve_return_post", by=by, at=now, comment=f"return post {post['position_id']}")
    return Changed(rotation=new, positions=tuple(changed_posts)), []


def approve_rotation(rotation: dict, *, side: str, by: str, now: datetime,
                     comment: str | None = None) -> tuple[Changed, list[Event]]:
    """One side's HR officer approves. Both sides, by two different officers, make it ``approved``;
    ``rotation_approved`` is published only then."""
    require_aware(now)
    if side not in APPROVAL_SIDES:
        raise ValidationFailed("invalid approval", {"side": [f"must be one of {list(APPROVAL_SIDES)}"]})
    next_status(rotation["status"], "approve")
    if rotation.get("requested_by") == by:
        raise RuleViolation("the requester of a rotation cannot approve it", {
            "rule": "requester_cannot_approve", "by": by})
    for approval in rotation["approvals"]:
        if approval["by"] == by:
            raise RuleViolation("the same officer cannot give both approvals", {
                "rule": "double_approval", "by": by, "approved_side": approval["side"]})
        if approval["side"] == side:
            raise RuleViolation(f"the {side} side has already approved", {
                "rule": "side_already_approved", "side": side})
    new = revised(rotation, now=now)
    new["approvals"].append({"side": side, "by": by, "at": now, "comment": comment})
    record(new, "approve", by=by, at=now, comment=comment or f"{side} side approval")
    events = []
    if new["status"] == "approved":
        events.append(("rotation_approved", rotation_fact(new, approvals=[
            {"side": a["side"], "by": a["by"], "at": a["at"]} for a in new["approvals"]])))
    return Changed(rotation=new), events


def _close_before_start(rotation: dict, action: str, *, servant: dict, posts: dict, by: str,
                        now: datetime, reason: str) -> tuple[dict, dict, tuple[dict, ...], str]:
    require_aware(now)
    next_status(rotation["status"], action)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed(f"a reason is needed to {action}", {"reason": ["required"]})
    from_status = rotation["status"]
    new = revised(rotation, now=now)
    record(new, action, by=by, at=now, comment=reason.strip())
    changed_posts = ()
    if new.get("return_post"):
        post = loaded(posts, new["return_post"]["position_id"])
        changed_posts = (release_reservation(post, rotation["rotation_id"], now=now),)
    new_servant = revised(servant, now=now)
    if new_servant.get("open_rotation_id") == rotation["rotation_id"]:
        new_servant["open_rotation_id"] = None
    return new, new_servant, changed_posts, from_status


def reject_rotation(rotation: dict, *, servant: dict, posts: dict, by: str, now: datetime,
                    reason: str) -> tuple[Changed, list[Event]]:
    """An approving officer refuses the request; a reserved return post is released."""
    new, new_servant, changed_posts, from_status = _close_before_start(
        rotation, "reject", servant=servant, posts=posts, by=by, now=now, reason=reason)
    event = ("rotation_rejected", rotation_fact(new, from_status=from_status, reason=reason.strip(), by=by))
    return Changed(rotation=new, servant=new_servant, positions=changed_posts), [event]


def cancel_rotation(rotation: dict, *, servant: dict, posts: dict, by: str, now: datetime,
                    reason: str) -> tuple[Changed, list[Event]]:
    """Withdraw a rotation that has not started; a reserved return post is released."""
    new, new_servant, changed_posts, from_status = _close_before_start(
        rotation, "cancel", servant=servant, posts=posts, by=by, now=now, reason=reason)
    event = ("rotation_cancelled", rotation_fact(new, from_status=from_status, reason=reason.strip(), by=by))
    return Changed(rotation=new, servant=new_servant, positions=changed_posts), [event]
