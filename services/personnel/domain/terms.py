"""Mandatory rotation terms in a post (decree No. 265 of 19 Jun 2023) and retirement exemption.

A servant is due for rotation ``rotation_due_years`` (4) after taking the post. The head of the
body may extend that up to ``head_extension_limit_years`` (6) after the post start, only the civil
service agency up to ``agency_extension_limit_years`` (8); nothing beyond. Each extension is kept
on the servant with its basis. Staff within ``retirement_exemption_years`` of retirement age are
exempt. Only extensions recorded for the current ``post_start`` count: a new post restarts the clock.
"""
from dataclasses import dataclass
from datetime import date, datetime

from services.common.errors import RuleViolation, ValidationFailed
from services.personnel.contract.lists import AGENCY, EXTENSION_AUTHORITIES, HEAD_OF_BODY
from services.personnel.domain.dates import add_years, whole_years_between
from services.personnel.domain.documents import Event, require_aware, revised
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings


def retirement_date(servant: dict, settings: PersonnelSettings = DEFAULT_SETTINGS) -> date:
    return add_years(servant["date_of_birth"], settings.retirement_age_years[servant["sex"]])


def near_retirement(servant: dict, today: date, settings: PersonnelSettings = DEFAULT_SETTINGS) -> bool:
    """Within ``retirement_exemption_years`` of retirement age on ``today``."""
    exemption_starts = add_years(retirement_date(servant, settings), -settings.retirement_exemption_years)
    return today >= exemption_starts


def _current_extensions(servant: dict) -> list[dict]:
    return [e for e in servant.get("rotation_extensions", [])
            if e.get("post_start") == servant["post_start"]]


def rotation_due_date(servant: dict, settings: PersonnelSettings = DEFAULT_SETTINGS) -> date:
    """When the servant must rotate out of the current post, extensions included."""
    base = add_years(servant["post_start"], settings.rotation_due_years)
    return max([base] + [e["until"] for e in _current_extensions(servant)])


def extension_limit(servant: dict, authority: str, settings: PersonnelSettings = DEFAULT_SETTINGS) -> date:
    years = (settings.head_extension_limit_years if authority == HEAD_OF_BODY
             else settings.agency_extension_limit_years)
    return add_years(servant["post_start"], years)


def extend_mandatory_rotation(servant: dict, *, authority: str, until: date, basis: str, by: str,
                              now: datetime, settings: PersonnelSettings = DEFAULT_SETTINGS
                              ) -> tuple[dict, list[Event]]:
    """Record an extension of the servant's term in the current post up to ``until``.

    ``authority``: ``head_of_body`` (up to 6 years in the post) or ``agency`` (up to 8).
    Beyond the authority's limit → ``RuleViolation(rule="term_limit")``.
    """
    require_aware(now)
    problems: dict = {}
    if authority not in EXTENSION_AUTHORITIES:
        problems["authority"] = [f"must be one of {list(EXTENSION_AUTHORITIES)}"]
    if not isinstance(basis, str) or not basis.strip():
        problems["basis"] = ["required: the decision the extension rests on"]
    if not isinstance(until, date) or isinstance(until, datetime):
        problems["until"] = ["required: a date"]
    elif until <= rotation_due_date(servant, settings):
        problems["until"] = [f"must be later than the current due date "
                             f"{rotation_due_date(servant, settings).isoformat()}"]
    if problems:
        raise ValidationFailed("invalid extension", problems)
    if servant["status"] not in ("active", "on_leave"):
        raise RuleViolation("only a servant in post can have the term extended",
                            {"rule": "servant_status", "status": servant["status"],
                             "allowed": ["active", "on_leave"]})
    limit = extension_limit(servant, authority, settings)
    if until > limit:
        details = {"rule": "term_limit", "authority": authority, "limit": limit.isoformat(),
                   "requested": until.isoformat()}
        if authority == HEAD_OF_BODY:
            details["needs"] = AGENCY
        raise RuleViolation(f"{authority} may extend the term only up to {limit.isoformat()}", details)
    new = revised(servant, now=now)
    new.setdefault("rotation_extensions", []).append({
        "post_start": servant["post_start"], "authority": authority, "until": until,
        "previous_due_date": rotation_due_date(servant, settings), "basis": basis.strip(),
        "by": by, "at": now})
    return new, []


@dataclass(frozen=True)
class DueRotation:
    servant_id: str
    home_region: str
    post_region: str | None
    org_id: str
    position_id: str
    post_start: date
    due_date: date
    years_in_post: int
    extended: bool

    @property
    def due_key(self) -> str:
        return rotation_due_key(self.servant_id, self.post_start, self.due_date)


def rotation_due_key(servant_id: str, post_start: date, due_date: date) -> str:
    """Idempotency key of one "rotation due" case: a new post or an extension makes a new case."""
    return f"{servant_id}:{post_start.isoformat()}:{due_date.isoformat()}"


def due_rotation(servant: dict, today: date,
                 settings: PersonnelSettings = DEFAULT_SETTINGS) -> DueRotation | None:
    """The servant's due case on ``today``, or None (not due, not in post, rotating, or exempt)."""
    if servant["status"] != "active" or servant.get("open_rotation_id") or not servant.get("position_id"):
        return None
    due_date = rotation_due_date(servant, settings)
    if due_date > today or near_retirement(servant, today, settings):
        return None
    return DueRotation(
        servant_id=servant["servant_id"], home_region=servant["home_region"],
        post_region=servant.get("post_region"), org_id=servant["org_id"],
        position_id=servant["position_id"], post_start=servant["post_start"], due_date=due_date,
        years_in_post=whole_years_between(servant["post_start"], today),
        extended=bool(_current_extensions(servant)))


def due_rotations(servants, today: date, settings: PersonnelSettings = DEFAULT_SETTINGS) -> list[DueRotation]:
    """Everyone due for mandatory rotation on ``today``, most overdue first."""
    found = [due for due in (due_rotation(s, today, settings) for s in servants) if due is not None]
    return sorted(found, key=lambda d: (d.due_date, d.servant_id))


def rotation_due_payload(due: DueRotation) -> dict:
    return {
        "servant_id": due.servant_id, "due_key": due.due_key, "home_region": due.home_region,
        "post_region": due.post_region, "org_id": due.org_id, "position_id": due.position_id,
        "post_start": due.post_start, "due_date": due.due_date,
        "years_in_post": due.years_in_post, "extended": due.extended,
    }


def record_rotation_due(servant: dict, due: DueRotation, *, now: datetime) -> tuple[dict, list[Event]]:
    """Remember that ``rotation_due`` went out for this case; a repeat of the same case is a no-op.

    The periodic job calls this for each ``due_rotations`` entry; the key on the servant document
    makes the emission once-per-case even when the job runs again or on two instances (the
    repository writes with a compare-and-set on ``version``).
    """
    require_aware(now)
    if servant.get("last_rotation_due_key") == due.due_key:
        return servant, []
    new = revised(servant, now=now)
    new["last_rotation_due_key"] = due.due_key
    return new, [("rotation_due", rotation_due_payload(due))]
