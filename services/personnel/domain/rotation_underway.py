"""Commands on a rotation once it starts: start, extend, return, complete, record an incentive.

The same contract as ``rotation`` (the commands before the start): current documents in,
``(Changed, [(event_type, payload), ...])`` out.
"""
from datetime import date, datetime

from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.personnel.domain.dates import add_months
from services.personnel.domain.documents import Changed, Event, loaded, require_aware, revised
from services.personnel.domain.incentives import check_incentives_total, validate_incentive
from services.personnel.domain.organisations import announce_vacating, occupy, release_reservation, vacate
from services.personnel.domain.return_posts import return_post_problem
from services.personnel.domain.rotation import CAREER_CREDIT_KIND, is_plain_date, require_text, rotation_fact
from services.personnel.domain.rotation_states import next_status, record
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings


def start_rotation(rotation: dict, *, servant: dict, posts: dict, start_date: date, by: str,
                   now: datetime, comment: str | None = None,
                   settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """The servant leaves their post and takes the target post.

    A start later or earlier than planned moves the planned end by as many days, keeping the
    approved term. The origin post turns ``reserved`` if it is the return post, else ``vacant``.
    """
    require_aware(now)
    next_status(rotation["status"], "start")
    if not is_plain_date(start_date):
        raise ValidationFailed("invalid start", {"start_date": ["required: a date"]})
    if rotation["direction"] in settings.return_post_required_for and not rotation.get("return_post"):
        raise RuleViolation("a return post must be reserved before the start", {
            "rule": "return_post_required", "direction": rotation["direction"]})
    if servant["status"] != "active" or servant.get("position_id") != rotation["from_position_id"]:
        raise RuleViolation("the servant is no longer active in the post the rotation starts from", {
            "rule": "servant_not_in_origin_post", "status": servant["status"],
            "position_id": servant.get("position_id")})
    target = loaded(posts, rotation["to_position_id"])
    if target["status"] != "vacant":
        raise RuleViolation(f"target post is {target['status']}", {
            "rule": "target_post_occupied", "position_id": target["position_id"],
            "status": target["status"], "allowed": ["vacant"]})
    origin = loaded(posts, rotation["from_position_id"])

    new = revised(rotation, now=now)
    shift = start_date - rotation["planned_start"]
    new.update(actual_start=start_date, planned_end=rotation["planned_end"] + shift)
    record(new, "start", by=by, at=now, comment=comment)
    new_servant = revised(servant, now=now)
    new_servant.update(status="seconded", org_id=target["org_id"], position_id=target["position_id"],
                       org_kind=target["org_kind"], post_region=target["region_code"],
                       corps=target["corps"], category=target["category"], post_start=start_date)
    changed_posts = (vacate(origin, now=now),
                     occupy(target, servant["servant_id"], now=now, rotation_id=rotation["rotation_id"]))
    event = ("rotation_started", rotation_fact(new, start_date=start_date,
                                               planned_end=new["planned_end"], by=by))
    return Changed(rotation=new, servant=new_servant, positions=changed_posts), [event]


def extend_rotation(rotation: dict, *, new_end: date, basis: str, by: str, now: datetime,
                    settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """Move the end of a started rotation later, within the maximum term from the actual start."""
    require_aware(now)
    next_status(rotation["status"], "extend")
    problems: dict = {}
    require_text(basis, "basis", problems)
    require(is_plain_date(new_end), "new_end", "required: a date", problems)
    if is_plain_date(new_end):
        require(new_end > rotation["planned_end"], "new_end",
                f"must be after the current end {rotation['planned_end'].isoformat()}", problems)
    raise_if_problems(problems)
    latest = add_months(rotation["actual_start"], settings.max_term_months)
    if new_end > latest:
        raise RuleViolation(f"the term may not exceed {settings.max_term_months} months", {
            "rule": "secondment_term", "max_months": settings.max_term_months,
            "latest_end": latest.isoformat(), "requested_end": new_end.isoformat()})
    new = revised(rotation, now=now)
    previous_end = rotation["planned_end"]
    new["extensions"].append({"previous_end": previous_end, "new_end": new_end,
                              "basis": basis.strip(), "by": by, "at": now})
    new["planned_end"] = new_end
    record(new, "extend", by=by, at=now, comment=basis.strip())
    event = ("rotation_extended", rotation_fact(new, previous_end=previous_end, new_end=new_end,
                                                basis=basis.strip(), by=by))
    return Changed(rotation=new), [event]


def return_from_rotation(rotation: dict, *, posts: dict, return_date: date, by: str, now: datetime,
                         comment: str | None = None) -> tuple[Changed, list[Event]]:
    """The secondment ends: the servant is leaving the target post (now ``being_vacated``)."""
    require_aware(now)
    next_status(rotation["status"], "return")
    if not is_plain_date(return_date) or return_date < rotation["actual_start"]:
        raise ValidationFailed("invalid return", {
            "return_date": [f"required: a date not before the start {rotation['actual_start'].isoformat()}"]})
    target = loaded(posts, rotation["to_position_id"])
    new = revised(rotation, now=now)
    new["return_date"] = return_date
    record(new, "return", by=by, at=now, comment=comment)
    return Changed(rotation=new, positions=(announce_vacating(target, now=now),)), []


def complete_rotation(rotation: dict, *, servant: dict, posts: dict, end_date: date, by: str,
                      now: datetime, return_position_id: str | None = None,
                      comment: str | None = None,
                      settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """The servant takes the return post (the reserved one unless ``return_position_id`` names
    another qualifying post) and the cycle closes; a career credit is recorded when the direction
    earns one (``PersonnelSettings.career_credit_for``)."""
    require_aware(now)
    next_status(rotation["status"], "complete")
    if not is_plain_date(end_date) or end_date < rotation["return_date"]:
        raise ValidationFailed("invalid completion", {
            "end_date": [f"required: a date not before the return {rotation['return_date'].isoformat()}"]})
    reserved_id = (rotation.get("return_post") or {}).get("position_id")
    chosen_id = return_position_id or reserved_id
    if chosen_id is None:
        raise ValidationFailed("no return post", {"return_position_id": ["required: no post was reserved"]})
    chosen = loaded(posts, chosen_id)
    problem = return_post_problem(rotation, chosen, servant_id=servant["servant_id"], on_return=True,
                                  settings=settings)
    if problem is not None:
        raise problem
    target = loaded(posts, rotation["to_position_id"])

    changed_posts = [vacate(target, now=now)]
    if reserved_id and reserved_id != chosen_id:
        changed_posts.append(release_reservation(loaded(posts, reserved_id), rotation["rotation_id"],
                                                 now=now))
    changed_posts.append(occupy(chosen, servant["servant_id"], now=now, rotation_id=rotation["rotation_id"]))

    duration_days = (end_date - rotation["actual_start"]).days
    earns_credit = rotation["direction"] in settings.career_credit_for
    new = revised(rotation, now=now)
    new.update(actual_end=end_date, final_position_id=chosen_id, duration_days=duration_days,
               career_credit_awarded=earns_credit)
    record(new, "complete", by=by, at=now, comment=comment)
    new_servant = revised(servant, now=now)
    new_servant.update(status="active", open_rotation_id=None, org_id=chosen["org_id"],
                       position_id=chosen_id, org_kind=chosen["org_kind"],
                       post_region=chosen["region_code"], corps=chosen["corps"],
                       category=chosen["category"], post_start=end_date)
    if earns_credit and not any(c["rotation_id"] == rotation["rotation_id"]
                                for c in new_servant["career_credits"]):
        new_servant["career_credits"].append({
            "kind": CAREER_CREDIT_KIND, "rotation_id": rotation["rotation_id"],
            "direction": rotation["direction"], "earned_on": end_date,
            "away_org_id": rotation["to_org_id"], "duration_days": duration_days})
    event = ("rotation_completed", rotation_fact(
        new, start_date=rotation["actual_start"], end_date=end_date, duration_days=duration_days,
        return_position_id=chosen_id, return_org_id=chosen["org_id"],
        return_region=chosen["region_code"], cycle_completed=True,
        career_credit_awarded=earns_credit, by=by))
    return Changed(rotation=new, servant=new_servant, positions=tuple(changed_posts)), [event]


def record_incentive(rotation: dict, incentive: dict, *, by: str, now: datetime,
                     settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """Add a housing compensation, relocation allowance or other incentive to the rotation."""
    require_aware(now)
    next_status(rotation["status"], "record_incentive")
    valid = validate_incentive(incentive, settings)
    check_incentives_total([*rotation["incentives"], valid], settings)
    new = revised(rotation, now=now)
    new["incentives"].append(valid)
    record(new, "record_incentive", by=by, at=now,
           comment=f"{valid['kind']} {valid['amount_kzt']} KZT x {valid['period_months']} months")
    return Changed(rotation=new), []
