"""Marshmallow schemas of the personnel service: RPC/HTTP input, query parameters and output.

Input schemas check shape and formats; business rules (category register, eligibility, terms)
stay in the domain modules, which see the configured ``PersonnelSettings``.

IIN in output: ``CivilServantSchema`` dumps the full ``iin``. Whoever shows a servant to someone
not entitled to the full number (the gateway decides by role) calls ``mask_servant(doc)`` on the
dumped document, or ``dump_servant(doc, reveal_iin=False)``, which gives ``"************"``, drops
sex and the birth date (keeping ``birth_year``) and sets ``iin_masked: true``. Event payloads never contain the IIN at all.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from services.common.errors import ValidationFailed
from services.common.regions import REGION_CODES
from services.personnel.domain.categories import CORPS, ORG_KINDS
from services.personnel.domain.iin import SEXES, mask_iin, validate_iin
from services.personnel.domain.organisations import POSITION_STATUSES
from services.personnel.domain.settings import DEFAULT_SETTINGS, DIRECTIONS, INCENTIVE_KINDS
from services.personnel.domain.rotation import APPROVAL_SIDES
from services.personnel.domain.rotation_states import ROTATION_STATUSES
from services.personnel.domain.servants import SERVANT_STATUSES
from services.personnel.domain.terms import EXTENSION_AUTHORITIES

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
UPDATABLE_SERVANT_STATUSES = ("active", "on_leave", "retired", "dismissed")

_region = validate.OneOf(REGION_CODES)
_id = validate.Length(min=1, max=100)
_name = validate.Length(min=1, max=300)
_comment = validate.Length(max=1000)
_category = validate.Regexp(r"^[A-Z](-[A-Z])?-\d{1,2}$", error="must look like C-4 or E-G-2")


def load_or_fail(schema: Schema, data) -> dict:
    """``schema.load(data)``, turning marshmallow's errors into ``ValidationFailed`` (HTTP 400)."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed("invalid input", exc.messages) from None


# --- organisations and posts -----------------------------------------------------------------

class OrganisationCreateSchema(Schema):
    name = fields.Str(required=True, validate=_name)
    kind = fields.Str(required=True, validate=validate.OneOf(ORG_KINDS))
    region_code = fields.Str(load_default=None, allow_none=True, validate=_region)

    @validates_schema
    def _region_matches_kind(self, data, **kwargs):
        if data.get("kind") == "central" and data.get("region_code") is not None:
            raise ValidationError("must be empty for a central body", "region_code")
        if data.get("kind") in ("regional", "district") and data.get("region_code") is None:
            raise ValidationError("required for a regional or district body", "region_code")


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


class PositionCreateSchema(Schema):
    org_id = fields.Str(required=True, validate=_id)
    title = fields.Str(required=True, validate=_name)
    corps = fields.Str(required=True, validate=validate.OneOf(CORPS))
    category = fields.Str(required=True, validate=_category)


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


# --- civil servants --------------------------------------------------------------------------

class CivilServantCreateSchema(Schema):
    iin = fields.Str(required=True)
    full_name = fields.Str(required=True, validate=_name)
    date_of_birth = fields.Date(load_default=None, allow_none=True)
    sex = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(SEXES))
    home_region = fields.Str(load_default=None, allow_none=True, validate=_region)
    position_id = fields.Str(required=True, validate=_id)
    org_id = fields.Str(load_default=None, allow_none=True, validate=_id)
    corps = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(CORPS))
    category = fields.Str(load_default=None, allow_none=True, validate=_category)
    service_start = fields.Date(required=True)
    post_start = fields.Date(required=True)

    @validates("iin")
    def _valid_iin(self, value, **kwargs):
        try:
            validate_iin(value)
        except ValidationFailed as exc:
            raise ValidationError(exc.details["iin"]) from None

    @validates_schema
    def _agrees_with_iin(self, data, **kwargs):
        try:
            birth_date, sex = validate_iin(data.get("iin"))
        except ValidationFailed:
            return  # reported on the iin field
        problems = {}
        if data.get("date_of_birth") is not None and data["date_of_birth"] != birth_date:
            problems["date_of_birth"] = ["does not match IIN"]
        if data.get("sex") is not None and data["sex"] != sex:
            problems["sex"] = ["does not match IIN"]
        service_start, post_start = data.get("service_start"), data.get("post_start")
        if service_start and post_start and post_start < service_start:
            problems["post_start"] = ["must not precede service_start"]
        if problems:
            raise ValidationError(problems)


class CivilServantUpdateSchema(Schema):
    full_name = fields.Str(validate=_name)
    home_region = fields.Str(validate=_region)
    status = fields.Str(validate=validate.OneOf(UPDATABLE_SERVANT_STATUSES))

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("give at least one of full_name, home_region, status")


class MandatoryRotationExtensionSchema(Schema):
    authority = fields.Str(required=True, validate=validate.OneOf(EXTENSION_AUTHORITIES))
    until = fields.Date(required=True)
    basis = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


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
    fields in the same instant (see ``repository_effects``). Kept for an HR officer to settle."""
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


# --- rotations -------------------------------------------------------------------------------

class IncentiveSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(INCENTIVE_KINDS))
    amount_kzt = fields.Decimal(required=True, as_string=True,
                                validate=validate.Range(min=0, min_inclusive=False))
    period_months = fields.Int(required=True, strict=True, validate=validate.Range(
        min=1, max=DEFAULT_SETTINGS.max_incentive_period_months))
    description = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates("amount_kzt")
    def _two_decimals(self, value, **kwargs):
        if value.as_tuple().exponent < -2:
            raise ValidationError("at most 2 decimals (tiyn)")

    @validates_schema
    def _other_is_described(self, data, **kwargs):
        if data.get("kind") == "other" and not (data.get("description") or "").strip():
            raise ValidationError("required for kind 'other'", "description")


class RotationRequestSchema(Schema):
    servant_id = fields.Str(required=True, validate=_id)
    target_position_id = fields.Str(required=True, validate=_id)
    planned_start = fields.Date(required=True)
    planned_end = fields.Date(load_default=None, allow_none=True)
    term_months = fields.Int(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(min=1, max=120))
    direction = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(DIRECTIONS))
    basis = fields.Str(load_default=None, allow_none=True, validate=_comment)
    incentives = fields.List(fields.Nested(IncentiveSchema), load_default=list,
                             validate=validate.Length(max=10))
    return_position_id = fields.Str(load_default=None, allow_none=True, validate=_id)

    @validates_schema
    def _one_end(self, data, **kwargs):
        if (data.get("planned_end") is None) == (data.get("term_months") is None):
            raise ValidationError("give exactly one of planned_end, term_months", "planned_end")
        if data.get("planned_end") is not None and data["planned_end"] <= data["planned_start"]:
            raise ValidationError("must be after planned_start", "planned_end")


class RotationApproveSchema(Schema):
    side = fields.Str(required=True, validate=validate.OneOf(APPROVAL_SIDES))
    comment = fields.Str(load_default=None, allow_none=True, validate=_comment)


class RotationRejectSchema(Schema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class RotationCancelSchema(Schema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class ReserveReturnPostSchema(Schema):
    """No ``position_id``: the service picks the best free post on the home side."""
    position_id = fields.Str(load_default=None, allow_none=True, validate=_id)


class RotationStartSchema(Schema):
    start_date = fields.Date(required=True)
    comment = fields.Str(load_default=None, allow_none=True, validate=_comment)


class RotationExtendSchema(Schema):
    new_end = fields.Date(required=True)
    basis = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class RotationReturnSchema(Schema):
    return_date = fields.Date(required=True)
    comment = fields.Str(load_default=None, allow_none=True, validate=_comment)


class RotationCompleteSchema(Schema):
    end_date = fields.Date(required=True)
    return_position_id = fields.Str(load_default=None, allow_none=True, validate=_id)
    comment = fields.Str(load_default=None, allow_none=True, validate=_comment)


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


# --- queries ---------------------------------------------------------------------------------

class PageSchema(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Int(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class OrganisationQuerySchema(PageSchema):
    kind = fields.Str(load_default=None, validate=validate.OneOf(ORG_KINDS))
    region = fields.Str(load_default=None, validate=_region)


class PositionQuerySchema(PageSchema):
    org_id = fields.Str(load_default=None, validate=_id)
    region = fields.Str(load_default=None, validate=_region)
    status = fields.Str(load_default=None, validate=validate.OneOf(POSITION_STATUSES))
    corps = fields.Str(load_default=None, validate=validate.OneOf(CORPS))
    category = fields.Str(load_default=None, validate=_category)


class ServantQuerySchema(PageSchema):
    region = fields.Str(load_default=None, validate=_region)  # home region
    org_id = fields.Str(load_default=None, validate=_id)
    status = fields.Str(load_default=None, validate=validate.OneOf(SERVANT_STATUSES))
    due_before = fields.Date(load_default=None)  # mandatory rotation due on or before this date


class RotationQuerySchema(PageSchema):
    region = fields.Str(load_default=None, validate=_region)  # home, from or to region
    org_id = fields.Str(load_default=None, validate=_id)  # sending or receiving body
    servant_id = fields.Str(load_default=None, validate=_id)
    status = fields.Str(load_default=None, validate=validate.OneOf(ROTATION_STATUSES))
    direction = fields.Str(load_default=None, validate=validate.OneOf(DIRECTIONS))
    ends_before = fields.Date(load_default=None)  # planned end on or before this date


class StatisticsQuerySchema(Schema):
    region = fields.Str(load_default=None, validate=_region)
    year = fields.Int(load_default=None, validate=validate.Range(min=2000, max=2100))
    today = fields.Date(load_default=None)  # figures "as of" (due now, currently away); default today


class DueQuerySchema(PageSchema):
    region = fields.Str(load_default=None, validate=_region)  # home region
    today = fields.Date(load_default=None)  # who is due on this day; default today
