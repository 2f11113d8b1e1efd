"""RPC input schemas of the personnel service: command bodies and query parameters.

The service loads every body and query with these (``services.common.loading.load``), and the
gateway builds the OpenAPI document from the same classes, so what is documented is what is
accepted. They check shape and formats; business rules (category register, eligibility, terms)
stay in ``domain``, which sees the configured ``PersonnelSettings``.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from services.common.errors import ValidationFailed
from services.common.money import Kzt
from services.common.regions import REGION_CODES
from services.personnel.contract.iin import SEXES, validate_iin
from services.personnel.contract.lists import (
    APPROVAL_SIDES,
    CORPS,
    DIRECTIONS,
    EXTENSION_AUTHORITIES,
    INCENTIVE_KINDS,
    MAX_INCENTIVE_PERIOD_MONTHS,
    ORG_KINDS,
    POSITION_STATUSES,
    ROTATION_STATUSES,
    SERVANT_STATUSES,
    UPDATABLE_SERVANT_STATUSES,
)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50

_region = validate.OneOf(REGION_CODES)
_id = validate.Length(min=1, max=100)
_name = validate.Length(min=1, max=300)
_comment = validate.Length(max=1000)
_category = validate.Regexp(r"^[A-Z](-[A-Z])?-\d{1,2}$", error="must look like C-4 or E-G-2")


# --- organisations and posts ---------------------------------------------------------------------

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


class PositionCreateSchema(Schema):
    org_id = fields.Str(required=True, validate=_id)
    title = fields.Str(required=True, validate=_name)
    corps = fields.Str(required=True, validate=validate.OneOf(CORPS))
    category = fields.Str(required=True, validate=_category)


# --- civil servants ------------------------------------------------------------------------------

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


# --- rotations -----------------------------------------------------------------------------------

class IncentiveSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(INCENTIVE_KINDS))
    amount_kzt = Kzt(required=True, validate=validate.Range(min=0, min_inclusive=False))
    period_months = fields.Int(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_INCENTIVE_PERIOD_MONTHS))
    description = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=500))

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


# --- queries -------------------------------------------------------------------------------------

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


__all__ = ["CivilServantCreateSchema", "CivilServantUpdateSchema", "DEFAULT_PAGE_SIZE",
    "DueQuerySchema", "IncentiveSchema", "MAX_PAGE_SIZE", "MandatoryRotationExtensionSchema",
    "OrganisationCreateSchema", "OrganisationQuerySchema", "PageSchema", "PositionCreateSchema",
    "PositionQuerySchema", "ReserveReturnPostSchema", "RotationApproveSchema",
    "RotationCancelSchema", "RotationCompleteSchema", "RotationExtendSchema",
    "RotationQuerySchema", "RotationRejectSchema", "RotationRequestSchema",
    "RotationReturnSchema", "RotationStartSchema", "ServantQuerySchema", "StatisticsQuerySchema"]
