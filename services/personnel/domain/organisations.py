"""Organisations (central bodies and local executive bodies) and their posts.

A post carries ``org_kind`` and ``region_code`` copied from its organisation (bodies never change
kind or region), so region and level rules read one document. Post statuses:

* ``vacant``  – no holder, free to fill;
* ``occupied`` – has a holder;
* ``being_vacated`` – the holder is leaving (e.g. returning from a secondment); a rotation may
  target it but can only start once it is vacant;
* ``reserved`` – no holder, kept for the rotation named in ``reserved_for`` (a return post).

``reserved_for`` may also be set on an occupied post: the holder's own post kept as their return
post; when the holder leaves it becomes ``reserved`` instead of ``vacant``.
"""
from datetime import datetime

from services.common.errors import RuleViolation, raise_if_problems, require
from services.common.regions import is_region
from services.personnel.contract.lists import CORPS, ORG_KINDS, POSITION_STATUSES  # noqa: F401
from services.personnel.domain.documents import new_document, require_aware, revised
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings

MAX_NAME_LENGTH = 300


def _text(data: dict, field: str, problems: dict, max_length: int = MAX_NAME_LENGTH) -> str | None:
    value = data.get(field)
    require(isinstance(value, str) and value.strip() != "", field, "required", problems)
    if isinstance(value, str):
        require(len(value) <= max_length, field, f"at most {max_length} characters", problems)
        return value.strip()
    return None


def create_organisation(data: dict, *, org_id: str, now: datetime) -> tuple[dict, list]:
    """A central body (``region_code`` None) or a regional / district akimat (region required)."""
    require_aware(now)
    problems: dict = {}
    name = _text(data, "name", problems)
    kind = data.get("kind")
    require(kind in ORG_KINDS, "kind", f"must be one of {list(ORG_KINDS)}", problems)
    region_code = data.get("region_code")
    if kind == "central":
        require(region_code is None, "region_code", "must be empty for a central body", problems)
    elif kind in ORG_KINDS:
        require(isinstance(region_code, str) and is_region(region_code), "region_code",
                "must be a region code (KZ-xx)", problems)
    raise_if_problems(problems)
    org = new_document({"org_id": org_id, "name": name, "kind": kind, "region_code": region_code},
                       now=now)
    return org, []


def create_position(data: dict, organisation: dict, *, position_id: str, now: datetime,
                    settings: PersonnelSettings = DEFAULT_SETTINGS) -> tuple[dict, list]:
    """A vacant post in ``organisation`` with a category from the settings's register."""
    require_aware(now)
    problems: dict = {}
    title = _text(data, "title", problems)
    corps = data.get("corps")
    category = data.get("category")
    require(corps in CORPS, "corps", f"must be one of {list(CORPS)}", problems)
    if category not in settings.categories:
        problems.setdefault("category", []).append("unknown category")
    else:
        grade = settings.categories.get(category)
        require(corps not in CORPS or grade.corps == corps, "category",
                f"belongs to corps {grade.corps}", problems)
        require(settings.categories.allowed_for(category, organisation["kind"]), "category",
                f"not used by {organisation['kind']} bodies", problems)
    raise_if_problems(problems)
    position = new_document({
        "position_id": position_id,
        "org_id": organisation["org_id"],
        "org_kind": organisation["kind"],
        "region_code": organisation["region_code"],
        "title": title,
        "corps": corps,
        "category": category,
        "holder": None,
        "status": "vacant",
        "reserved_for": None,
    }, now=now)
    return position, []


def _refuse(position: dict, action: str, allowed_statuses) -> RuleViolation:
    return RuleViolation(
        f"cannot {action} a post that is {position['status']}",
        {"rule": "position_status", "position_id": position["position_id"],
         "status": position["status"], "action": action, "allowed": list(allowed_statuses)})


def occupy(position: dict, servant_id: str, *, now: datetime, rotation_id: str | None = None) -> dict:
    """Put ``servant_id`` in the post: vacant, or reserved for ``rotation_id``."""
    reserved_for_this = (position["status"] == "reserved" and rotation_id is not None
                         and position.get("reserved_for") == rotation_id)
    if position["status"] != "vacant" and not reserved_for_this:
        raise _refuse(position, "occupy", ["vacant", "reserved (for this rotation)"])
    new = revised(position, now=now)
    new.update(holder=servant_id, status="occupied", reserved_for=None)
    return new


def announce_vacating(position: dict, *, now: datetime) -> dict:
    """The holder is leaving; the post may be targeted by a rotation but not yet filled."""
    if position["status"] != "occupied":
        raise _refuse(position, "announce vacating", ["occupied"])
    new = revised(position, now=now)
    new["status"] = "being_vacated"
    return new


def vacate(position: dict, *, now: datetime) -> dict:
    """The holder has left: the post becomes vacant, or reserved if it is someone's return post."""
    if position["status"] not in ("occupied", "being_vacated"):
        raise _refuse(position, "vacate", ["occupied", "being_vacated"])
    new = revised(position, now=now)
    new["holder"] = None
    new["status"] = "reserved" if new.get("reserved_for") else "vacant"
    return new


def reserve(position: dict, rotation_id: str, *, now: datetime, holder_id: str | None = None) -> dict:
    """Keep the post for ``rotation_id``: a vacant post, or the post ``holder_id`` holds now."""
    if position.get("reserved_for") == rotation_id:
        return position
    own_post = (position["status"] == "occupied" and holder_id is not None
                and position.get("holder") == holder_id)
    if position.get("reserved_for") is not None or not (position["status"] == "vacant" or own_post):
        raise _refuse(position, "reserve", ["vacant", "occupied (by the rotating servant)"])
    new = revised(position, now=now)
    new["reserved_for"] = rotation_id
    if new["status"] == "vacant":
        new["status"] = "reserved"
    return new


def release_reservation(position: dict, rotation_id: str, *, now: datetime) -> dict:
    """Drop the reservation for ``rotation_id`` (unchanged copy if the post is not reserved for it)."""
    if position.get("reserved_for") != rotation_id:
        return position
    new = revised(position, now=now)
    new["reserved_for"] = None
    if new["status"] == "reserved":
        new["status"] = "vacant"
    return new
