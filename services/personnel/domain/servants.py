"""Civil servants: registration and updates of the personal record.

A servant's ``corps`` and ``category`` are those of the post they hold; ``post_region`` and
``org_kind`` are copied from it so region queries and rotation rules read one document.
``open_rotation_id`` names the rotation in progress (at most one), ``career_credits`` and
``rotation_extensions`` are append-only records.
"""
from datetime import date, datetime

from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.common.regions import is_region
from services.personnel.contract.lists import SERVANT_STATUSES
from services.personnel.domain.dates import add_years
from services.personnel.domain.documents import Changed, Event, new_document, require_aware, revised
from services.personnel.domain.iin import validate_iin
from services.personnel.domain.organisations import MAX_NAME_LENGTH, occupy, vacate
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings

# Status changes an update may make; ``seconded`` is entered and left only through a rotation.
STATUS_UPDATES = {
    "active": ("on_leave", "retired", "dismissed"),
    "on_leave": ("active", "retired", "dismissed"),
    "seconded": (),
    "retired": (),
    "dismissed": (),
}
LEAVING_STATUSES = ("retired", "dismissed")


def _is_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_identity(data: dict, problems: dict) -> tuple[date | None, str | None]:
    """Birth date and sex from the IIN, checking the separately given ones agree with it."""
    try:
        birth_date, sex = validate_iin(data.get("iin"))
    except ValidationFailed as exc:
        for field, reasons in exc.details.items():
            problems.setdefault(field, []).extend(reasons)
        return None, None
    given_birth = data.get("date_of_birth")
    if given_birth is not None and given_birth != birth_date:
        problems.setdefault("date_of_birth", []).append("does not match IIN")
    given_sex = data.get("sex")
    if given_sex is not None and given_sex != sex:
        problems.setdefault("sex", []).append("does not match IIN")
    return birth_date, sex


def register_civil_servant(data: dict, *, servant_id: str, position: dict, now: datetime,
                           settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[Changed, list[Event]]:
    """Register a servant holding ``position`` (which must be vacant and becomes occupied).

    ``data``: iin, full_name, date_of_birth (optional, must agree with the IIN), sex (optional,
    must agree), home_region (defaults to the post's region; required for a central post),
    service_start, post_start, org_id / corps / category (optional, must agree with the post).
    IIN uniqueness is the store's unique index (``DuplicateKey``), not a rule here.
    """
    require_aware(now)
    problems: dict = {}
    birth_date, sex = _check_identity(data, problems)
    full_name = data.get("full_name")
    require(isinstance(full_name, str) and full_name.strip() != "", "full_name", "required", problems)
    if isinstance(full_name, str):
        require(len(full_name) <= MAX_NAME_LENGTH, "full_name",
                f"at most {MAX_NAME_LENGTH} characters", problems)
    home_region = data.get("home_region") or position["region_code"]
    require(home_region is not None and is_region(home_region), "home_region",
            "required: a region code (KZ-xx)", problems)
    service_start, post_start = data.get("service_start"), data.get("post_start")
    require(_is_date(service_start), "service_start", "required: a date", problems)
    require(_is_date(post_start), "post_start", "required: a date", problems)
    if _is_date(service_start) and _is_date(post_start):
        require(post_start >= service_start, "post_start", "must not precede service_start", problems)
    if birth_date is not None and _is_date(service_start):
        require(service_start >= add_years(birth_date, settings.min_service_age_years), "service_start",
                f"servant must be at least {settings.min_service_age_years} at service start", problems)
    for field in ("org_id", "corps", "category"):
        if data.get(field) is not None and data[field] != position[field]:
            problems.setdefault(field, []).append("does not match the position")
    raise_if_problems(problems)

    occupied = occupy(position, servant_id, now=now)
    servant = new_document({
        "servant_id": servant_id,
        "iin": data["iin"],
        "full_name": full_name.strip(),
        "date_of_birth": birth_date,
        "sex": sex,
        "home_region": home_region,
        "corps": position["corps"],
        "category": position["category"],
        "org_id": position["org_id"],
        "position_id": position["position_id"],
        "org_kind": position["org_kind"],
        "post_region": position["region_code"],
        "service_start": service_start,
        "post_start": post_start,
        "status": "active",
        "open_rotation_id": None,
        "career_credits": [],
        "rotation_extensions": [],
        "last_rotation_due_key": None,
    }, now=now)
    event = ("civil_servant_registered", {
        "servant_id": servant_id,
        "home_region": home_region,
        "org_id": position["org_id"],
        "position_id": position["position_id"],
        "org_kind": position["org_kind"],
        "post_region": position["region_code"],
        "corps": position["corps"],
        "category": position["category"],
        "service_start": service_start,
        "post_start": post_start,
    })
    return Changed(servant=servant, positions=(occupied,)), [event]


def update_civil_servant(servant: dict, changes: dict, *, now: datetime,
                         position: dict | None = None) -> tuple[Changed, list[Event]]:
    """Change full_name, home_region or status (active / on_leave / retired / dismissed).

    Retiring or dismissing frees the post, so the servant's current ``position`` must be given.
    Home region and leaving are refused while a rotation is open (the return guarantee and the
    rotation's region figures depend on them).
    """
    require_aware(now)
    problems: dict = {}
    unknown = set(changes) - {"full_name", "home_region", "status"}
    for field in sorted(unknown):
        problems.setdefault(field, []).append("cannot be changed")
    if "full_name" in changes:
        name = changes["full_name"]
        require(isinstance(name, str) and name.strip() != "" and len(name) <= MAX_NAME_LENGTH,
                "full_name", "required, at most 300 characters", problems)
    if "home_region" in changes:
        require(isinstance(changes["home_region"], str) and is_region(changes["home_region"]),
                "home_region", "must be a region code (KZ-xx)", problems)
    new_status = changes.get("status", servant["status"])
    if new_status != servant["status"]:
        require(new_status in SERVANT_STATUSES, "status", f"must be one of {list(SERVANT_STATUSES)}",
                problems)
    raise_if_problems(problems)

    if new_status != servant["status"] and new_status not in STATUS_UPDATES[servant["status"]]:
        raise RuleViolation(f"cannot change status from {servant['status']} to {new_status}", {
            "rule": "servant_status", "status": servant["status"],
            "allowed": list(STATUS_UPDATES[servant["status"]])})
    moving_home = changes.get("home_region", servant["home_region"]) != servant["home_region"]
    if servant.get("open_rotation_id") and (moving_home or new_status in LEAVING_STATUSES):
        raise RuleViolation("a rotation is open for this servant", {
            "rule": "open_rotation_exists", "rotation_id": servant["open_rotation_id"]})

    new = revised(servant, now=now)
    if "full_name" in changes:
        new["full_name"] = changes["full_name"].strip()
    if "home_region" in changes:
        new["home_region"] = changes["home_region"]
    positions: tuple[dict, ...] = ()
    if new_status != servant["status"]:
        new["status"] = new_status
        if new_status in LEAVING_STATUSES:
            if position is None or position["position_id"] != servant["position_id"]:
                raise ValueError("the servant's current position is needed to free it")
            positions = (vacate(position, now=now),)
            new.update(position_id=None, org_id=None, post_region=None, org_kind=None)
    return Changed(servant=new, positions=positions), []
