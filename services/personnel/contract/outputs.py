"""RPC output schemas of the personnel service: the documents it answers with, and their pages.

IIN in output: ``CivilServantSchema`` dumps the full ``iin``. Whoever shows a servant to someone
not entitled to the full number (the gateway decides by role) calls ``mask_servant(doc)`` on the
dumped document, or ``dump_servant(doc, reveal_iin=False)``, which gives ``"************"``, drops
sex and the birth date (keeping ``birth_year``) and sets ``iin_masked: true``. Event payloads never
contain the IIN at all.
"""
from marshmallow import Schema, fields

from services.common.pages import NUMBERED, page_schema
from services.personnel.contract.iin import mask_iin
from services.personnel.contract.rpc import IncentiveSchema

# --- organisations and posts ---------------------------------------------------------------------

class OrganisationSchema(Schema):
    org_id = fields.Str()
    name = fields.Str()
    kind = fields.Str()
    region_code = fields.Str(allow_none=True)
    status = fields.Str(dump_default="active")  # closed by the civil service agency (inbound)
    closed_at = fields.AwareDateTime(format="iso", allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime(format="iso")
    updated_at = fields.AwareDateTime(format="iso")


class PositionSchema(Schema):
    position_id = fields.Str()
    org_id = fields.Str()
    org_kind = fields.Str()
    region_code = fields.Str(allow_none=True)
    title = fields.Str()
    corps = fields.Str()
    category = fields.Str()
    holder = fields.Str(allow_none=True)
    status = fields.Str()
    reserved_for = fields.Str(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime(format="iso")
    updated_at = fields.AwareDateTime(format="iso")


# --- civil servants ------------------------------------------------------------------------------

class CareerCreditSchema(Schema):
    kind = fields.Str()
    rotation_id = fields.Str()
    direction = fields.Str()
    earned_on = fields.Date()
    away_org_id = fields.Str()
    duration_days = fields.Int()


class RotationExtensionRecordSchema(Schema):
    post_start = fields.Date()
    authority = fields.Str()
    until = fields.Date()
    previous_due_date = fields.Date()
    basis = fields.Str()
    by = fields.Str()
    at = fields.AwareDateTime(format="iso")


class EffectConflictSchema(Schema):
    """A change to another document this one's command could not make: someone changed the same
    fields in the same instant (see ``repository.effects``). Kept for an HR officer to settle."""
    effect_id = fields.Str()
    collection = fields.Str()
    doc_id = fields.Str()
    expected_version = fields.Int()
    found_version = fields.Int(allow_none=True)
    fields_ = fields.Method("_fields", data_key="fields")

    def _fields(self, conflict):
        return sorted(conflict.get("set") or {})


class CivilServantSchema(Schema):
    """Output. ``iin`` is the full number: mask it with ``mask_servant`` unless the reader may see it."""
    servant_id = fields.Str()
    iin = fields.Str()
    iin_masked = fields.Bool(dump_default=False)
    full_name = fields.Str()
    date_of_birth = fields.Date(metadata={"description": "absent when the IIN is masked"})
    birth_year = fields.Int(metadata={"description": "only when the IIN is masked"})
    sex = fields.Str(metadata={"description": "absent when the IIN is masked"})
    home_region = fields.Str()
    corps = fields.Str()
    category = fields.Str()
    org_id = fields.Str(allow_none=True)
    position_id = fields.Str(allow_none=True)
    org_kind = fields.Str(allow_none=True)
    post_region = fields.Str(allow_none=True)
    service_start = fields.Date()
    post_start = fields.Date()
    status = fields.Str()
    open_rotation_id = fields.Str(allow_none=True)
    career_credits = fields.List(fields.Nested(CareerCreditSchema))
    rotation_extensions = fields.List(fields.Nested(RotationExtensionRecordSchema))
    rotation_due_date = fields.Date(allow_none=True)  # filled by the service from terms.rotation_due_date
    effect_conflicts = fields.List(fields.Nested(EffectConflictSchema))
    version = fields.Int()
    created_at = fields.AwareDateTime(format="iso")
    updated_at = fields.AwareDateTime(format="iso")


def mask_servant(doc: dict) -> dict:
    """A copy of a (stored or dumped) servant document with nothing the IIN can be rebuilt from:
    the IIN all asterisks, no sex, the birth date cut down to ``birth_year``."""
    masked = {k: v for k, v in doc.items() if k not in ("date_of_birth", "sex")}
    born = doc.get("date_of_birth")
    if born is not None:
        masked["birth_year"] = born.year if hasattr(born, "year") else int(str(born)[:4])
    masked["iin"] = mask_iin(doc.get("iin"))
    masked["iin_masked"] = True
    return masked


def dump_servant(doc: dict, *, reveal_iin: bool) -> dict:
    dumped = CivilServantSchema().dump(doc)
    return dumped if reveal_iin else mask_servant(dumped)


# --- rotations -----------------------------------------------------------------------------------

class HistoryEntrySchema(Schema):
    action = fields.Str()
    from_status = fields.Str(allow_none=True)
    to_status = fields.Str()
    by = fields.Str()
    at = fields.AwareDateTime(format="iso")
    comment = fields.Str(allow_none=True)


class ApprovalRecordSchema(Schema):
    side = fields.Str()
    by = fields.Str()
    at = fields.AwareDateTime(format="iso")
    comment = fields.Str(allow_none=True)


class ReturnPostRecordSchema(Schema):
    position_id = fields.Str()
    org_id = fields.Str()
    category = fields.Str()
    region_code = fields.Str(allow_none=True)
    reserved_by = fields.Str()
    reserved_at = fields.AwareDateTime(format="iso")


class RotationExtensionSchema(Schema):
    previous_end = fields.Date()
    new_end = fields.Date()
    basis = fields.Str()
    by = fields.Str()
    at = fields.AwareDateTime(format="iso")


class RotationSchema(Schema):
    rotation_id = fields.Str()
    servant_id = fields.Str()
    direction = fields.Str()
    home_region = fields.Str()
    from_region = fields.Str(allow_none=True)
    to_region = fields.Str(allow_none=True)
    from_org_id = fields.Str()
    to_org_id = fields.Str()
    from_position_id = fields.Str()
    to_position_id = fields.Str()
    from_corps = fields.Str()
    from_category = fields.Str()
    to_category = fields.Str()
    status = fields.Str()
    basis = fields.Str(allow_none=True)
    planned_start = fields.Date()
    planned_end = fields.Date()
    actual_start = fields.Date(allow_none=True)
    return_date = fields.Date(allow_none=True)
    actual_end = fields.Date(allow_none=True)
    approvals = fields.List(fields.Nested(ApprovalRecordSchema))
    return_post = fields.Nested(ReturnPostRecordSchema, allow_none=True)
    final_position_id = fields.Str(allow_none=True)
    extensions = fields.List(fields.Nested(RotationExtensionSchema))
    incentives = fields.List(fields.Nested(IncentiveSchema))
    requested_by = fields.Str()
    duration_days = fields.Int(allow_none=True)
    career_credit_awarded = fields.Bool()
    history = fields.List(fields.Nested(HistoryEntrySchema))
    effect_conflicts = fields.List(fields.Nested(EffectConflictSchema))
    version = fields.Int()
    created_at = fields.AwareDateTime(format="iso")
    updated_at = fields.AwareDateTime(format="iso")


# --- mandatory rotation and mobility -------------------------------------------------------------

class DueRotationSchema(Schema):
    """Output of ``terms.due_rotations`` (dataclass attributes dump like keys)."""
    servant_id = fields.Str()
    home_region = fields.Str()
    post_region = fields.Str(allow_none=True)
    org_id = fields.Str()
    position_id = fields.Str()
    post_start = fields.Date()
    due_date = fields.Date()
    years_in_post = fields.Int()
    extended = fields.Bool()
    due_key = fields.Str()


class MobilityFiguresSchema(Schema):
    """Output of ``statistics.mobility_statistics`` for one region."""
    out_to_centre = fields.Int()
    in_from_centre = fields.Int()
    out_to_regions = fields.Int()
    in_from_regions = fields.Int()
    currently_away = fields.Int()
    pending = fields.Int()
    completed_rotations = fields.Int()
    completed_cycles = fields.Int()
    completed_duration_days = fields.Int()
    average_duration_days = fields.Float(allow_none=True)
    due_now = fields.Int()


# --- pages (numbered: the lists are bounded by the page size cap) --------------------------------

OrganisationPage = page_schema(OrganisationSchema, NUMBERED)
PositionPage = page_schema(PositionSchema, NUMBERED)
ServantPage = page_schema(CivilServantSchema, NUMBERED)
RotationPage = page_schema(RotationSchema, NUMBERED)


class DuePage(page_schema(DueRotationSchema, NUMBERED)):
    today = fields.Date(metadata={"description": "the day the cases are due on"})


__all__ = ["ApprovalRecordSchema", "CareerCreditSchema", "CivilServantSchema", "DuePage",
    "DueRotationSchema", "EffectConflictSchema", "HistoryEntrySchema", "MobilityFiguresSchema",
    "OrganisationPage", "OrganisationSchema", "PositionPage", "PositionSchema",
    "ReturnPostRecordSchema", "RotationExtensionRecordSchema", "RotationExtensionSchema",
    "RotationPage", "RotationSchema", "ServantPage", "dump_servant", "mask_servant"]
