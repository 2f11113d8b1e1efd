"""Shape shared by every personnel command: stored documents, their versions, and the result type.

Documents are plain dicts as they will be stored. Commands never mutate their inputs: they return
new copies with ``version`` incremented and ``updated_at`` set, so the repository can write with a
compare-and-set on the previous version (``StaleVersion`` on a lost race).
"""
import copy
from dataclasses import dataclass
from datetime import datetime

from services.common.errors import NotFound

Event = tuple[str, dict]

# Keys holding a ``datetime.date`` (at any depth) in each stored document, for the store codec,
# which keeps dates as midnight UTC and turns these keys back into dates on read. Money keys end
# in ``_kzt`` (incentives' ``amount_kzt``) and need no listing.
ORGANISATION_DATE_KEYS: frozenset[str] = frozenset()
POSITION_DATE_KEYS: frozenset[str] = frozenset()
SERVANT_DATE_KEYS = frozenset({"date_of_birth", "service_start", "post_start", "until",
                               "previous_due_date", "earned_on"})
ROTATION_DATE_KEYS = frozenset({"planned_start", "planned_end", "actual_start", "return_date",
                                "actual_end", "previous_end", "new_end"})


@dataclass(frozen=True)
class Changed:
    """Every document a multi-document command changed, each at its new version.

    ``rotation`` and ``servant`` are None when unchanged; ``positions`` lists only changed posts.
    """
    rotation: dict | None = None
    servant: dict | None = None
    positions: tuple[dict, ...] = ()

    def position(self, position_id: str) -> dict | None:
        return next((p for p in self.positions if p["position_id"] == position_id), None)


def new_document(fields: dict, *, now: datetime) -> dict:
    doc = dict(fields)
    doc.update(version=1, created_at=now, updated_at=now)
    return doc


def revised(doc: dict, *, now: datetime) -> dict:
    """A deep copy of ``doc`` at the next version, ready to be changed by the caller."""
    new = copy.deepcopy(doc)
    new["version"] = doc.get("version", 0) + 1
    new["updated_at"] = now
    return new


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def loaded(posts: dict, position_id: str) -> dict:
    """The post ``position_id`` from the mapping the service layer loaded for a command."""
    post = posts.get(position_id)
    if post is None:
        raise NotFound("position not found", {"position_id": position_id})
    return post
