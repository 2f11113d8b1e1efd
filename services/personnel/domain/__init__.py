"""Rules of the personnel service ("region–centre–region" mobility of civil servants).

Pure Python: no nameko, pymongo or clock. This package is the one entry the application imports;
the rules live in small modules by concern and are re-exported here:

* ``iin`` – IIN validity and generation (the format is published in ``contract.iin``);
* ``categories`` / ``settings`` – the category register and every tunable (``PersonnelSettings``);
* ``organisations`` – bodies and posts, post status changes;
* ``servants`` – civil servant registration and updates;
* ``terms`` – mandatory rotation after 4 years, extensions to 6 / 8, who is due;
* ``eligibility`` – who may rotate where, each rule named;
* ``rotation_states`` / ``rotation`` / ``rotation_underway`` / ``return_posts`` – the rotation
  aggregate (commands before its start, and from its start on);
* ``incentives`` – housing compensation, relocation allowance, other;
* ``statistics`` – mobility figures per region;
* ``ministry`` – organisation changes announced by the civil service agency;
* ``documents`` / ``dates`` – versioned documents and calendar arithmetic the rules share.

The closed lists the rules share with callers (statuses, directions, kinds) come from
``contract.lists``.

Contract with the application: commands take documents (plain dicts as stored), ``now`` (an
aware datetime, stamped on history entries) and business dates as parameters, and return
``(new_state, [(event_type, payload), ...])``. ``new_state`` is the new document for single-document
commands and a ``Changed`` (rotation / servant / positions) for the rest; each changed document has
``version`` incremented, so the repository writes ``{"version": old}``-guarded updates.
Every event payload carries ``home_region``, which is the envelope's ``region_code``.
"""
from services.personnel.domain.categories import Category, CategoryRegister, default_category_register
from services.personnel.domain.documents import ROTATION_DATE_KEYS, SERVANT_DATE_KEYS, Changed, Event
from services.personnel.domain.eligibility import (
    RuleFailure,
    category_problem,
    check_eligibility,
    eligibility_failures,
)
from services.personnel.domain.iin import first_valid_iin, is_valid_iin, make_iin, mask_iin, validate_iin
from services.personnel.domain.incentives import incentive_total_kzt, validate_incentive, validate_incentives
from services.personnel.domain.organisations import (
    POSITION_STATUSES,
    announce_vacating,
    create_organisation,
    create_position,
    occupy,
    release_reservation,
    reserve,
    vacate,
)
from services.personnel.domain.return_posts import on_home_side, pick_return_post, return_post_problem
from services.personnel.domain.rotation import (
    APPROVAL_SIDES,
    approve_rotation,
    cancel_rotation,
    direction_between,
    positions_to_load,
    reject_rotation,
    request_rotation,
    reserve_return_post,
    rotation_fact,
)
from services.personnel.domain.rotation_states import (
    OPEN_STATUSES,
    ROTATION_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    allowed_actions,
    is_open,
    next_status,
)
from services.personnel.domain.rotation_underway import (
    complete_rotation,
    extend_rotation,
    record_incentive,
    return_from_rotation,
    start_rotation,
)
from services.personnel.domain.servants import SERVANT_STATUSES, register_civil_servant, update_civil_servant
from services.personnel.domain.settings import (
    DEFAULT_SETTINGS,
    DIRECTIONS,
    INCENTIVE_KINDS,
    PersonnelSettings,
)
from services.personnel.domain.statistics import mobility_statistics, national_totals
from services.personnel.domain.terms import (
    AGENCY,
    EXTENSION_AUTHORITIES,
    HEAD_OF_BODY,
    DueRotation,
    due_rotation,
    due_rotations,
    extend_mandatory_rotation,
    near_retirement,
    record_rotation_due,
    retirement_date,
    rotation_due_date,
    rotation_due_key,
)


def event_region(payload: dict) -> str:
    """The envelope ``region_code`` of a personnel event: the servant's home region."""
    return payload["home_region"]


__all__ = [
    "AGENCY", "APPROVAL_SIDES", "Category", "CategoryRegister", "Changed", "DEFAULT_SETTINGS",
    "DIRECTIONS", "DueRotation", "EXTENSION_AUTHORITIES", "Event", "HEAD_OF_BODY", "INCENTIVE_KINDS",
    "OPEN_STATUSES", "POSITION_STATUSES", "PersonnelSettings", "ROTATION_DATE_KEYS",
    "ROTATION_STATUSES", "RuleFailure", "SERVANT_DATE_KEYS",
    "SERVANT_STATUSES", "TERMINAL_STATUSES", "TRANSITIONS", "allowed_actions", "announce_vacating",
    "approve_rotation", "cancel_rotation", "category_problem", "check_eligibility",
    "complete_rotation", "create_organisation", "create_position", "default_category_register",
    "direction_between", "due_rotation", "due_rotations", "eligibility_failures", "event_region",
    "extend_mandatory_rotation", "extend_rotation", "first_valid_iin", "incentive_total_kzt",
    "is_open", "is_valid_iin", "make_iin", "mask_iin", "mobility_statistics", "national_totals",
    "near_retirement", "next_status", "occupy", "on_home_side", "pick_return_post",
    "positions_to_load", "record_incentive", "record_rotation_due", "register_civil_servant",
    "reject_rotation", "release_reservation", "request_rotation", "reserve", "reserve_return_post",
    "retirement_date", "return_from_rotation", "return_post_problem", "rotation_due_date",
    "rotation_due_key", "rotation_fact", "start_rotation", "update_civil_servant",
    "validate_iin", "validate_incentive", "validate_incentives", "vacate",
]
