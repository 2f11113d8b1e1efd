"""Payload schemas of the events the personnel service publishes (exchange ``personnel.events``).

No payload carries an IIN or a name: a servant is ``servant_id``. Every payload has
``home_region`` (the servant's home region), which is also the envelope's ``region_code``;
rotation payloads add ``direction``, ``from_region`` and ``to_region`` (None for a central body)
so consumers count flows per region.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.events import event_schema
from services.common.regions import REGION_CODES
from services.personnel.contract.lists import DIRECTIONS, ORG_KINDS, ORGANISATION_CHANGES, ROTATION_STATUSES

SOURCE = "personnel"


def _region(required=True, allow_none=False):
    return fields.Str(required=required, allow_none=allow_none, validate=validate.OneOf(REGION_CODES))


class RotationFactSchema(Schema):
    """Fields every rotation event carries (not an event by itself)."""
    rotation_id = fields.Str(required=True)
    servant_id = fields.Str(required=True)
    direction = fields.Str(required=True, validate=validate.OneOf(DIRECTIONS))
    home_region = _region()
    from_region = _region(allow_none=True)
    to_region = _region(allow_none=True)
    from_org_id = fields.Str(required=True)
    to_org_id = fields.Str(required=True)
    from_position_id = fields.Str(required=True)
    to_position_id = fields.Str(required=True)
    status = fields.Str(required=True, validate=validate.OneOf(ROTATION_STATUSES))


@event_schema("civil_servant_registered", source=SOURCE,
              description="A civil servant was registered in a post.")
class CivilServantRegisteredSchema(Schema):
    servant_id = fields.Str(required=True)
    home_region = _region()
    org_id = fields.Str(required=True)
    position_id = fields.Str(required=True)
    org_kind = fields.Str(required=True, validate=validate.OneOf(("central", "regional", "district")))
    post_region = _region(allow_none=True)
    corps = fields.Str(required=True)
    category = fields.Str(required=True)
    service_start = fields.Date(required=True)
    post_start = fields.Date(required=True)


@event_schema("rotation_requested", source=SOURCE,
              description="A rotation (secondment to the centre or posting to a region) was requested.")
class RotationRequestedSchema(RotationFactSchema):
    planned_start = fields.Date(required=True)
    planned_end = fields.Date(required=True)
    requested_by = fields.Str(required=True)
    return_position_id = fields.Str(required=True, allow_none=True)


class ApprovalSchema(Schema):
    side = fields.Str(required=True, validate=validate.OneOf(("sending", "receiving")))
    by = fields.Str(required=True)
    at = fields.AwareDateTime(required=True, format="iso")


@event_schema("rotation_approved", source=SOURCE,
              description="Both the sending and the receiving HR officer approved the rotation.")
class RotationApprovedSchema(RotationFactSchema):
    approvals = fields.List(fields.Nested(ApprovalSchema), required=True,
                            validate=validate.Length(equal=2))


@event_schema("rotation_started", source=SOURCE,
              description="The servant left the home post and took the target post.")
class RotationStartedSchema(RotationFactSchema):
    start_date = fields.Date(required=True)
    planned_end = fields.Date(required=True)
    by = fields.Str(required=True)


@event_schema("rotation_extended", source=SOURCE,
              description="A started rotation got a later end date.")
class RotationExtendedSchema(RotationFactSchema):
    previous_end = fields.Date(required=True)
    new_end = fields.Date(required=True)
    basis = fields.Str(required=True)
    by = fields.Str(required=True)


@event_schema("rotation_completed", source=SOURCE,
              description="The servant is back on the home side in the return post; the cycle is closed.")
class RotationCompletedSchema(RotationFactSchema):
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    duration_days = fields.Int(required=True, validate=validate.Range(min=0))
    return_position_id = fields.Str(required=True)
    return_org_id = fields.Str(required=True)
    return_region = _region(allow_none=True)
    cycle_completed = fields.Bool(required=True)
    career_credit_awarded = fields.Bool(required=True)
    by = fields.Str(required=True)


@event_schema("rotation_cancelled", source=SOURCE,
              description="A rotation was withdrawn before it started.")
class RotationCancelledSchema(RotationFactSchema):
    from_status = fields.Str(required=True, validate=validate.OneOf(ROTATION_STATUSES))
    reason = fields.Str(required=True)
    by = fields.Str(required=True)


@event_schema("rotation_rejected", source=SOURCE,
              description="An approving HR officer refused the rotation request.")
class RotationRejectedSchema(RotationFactSchema):
    from_status = fields.Str(required=True, validate=validate.OneOf(ROTATION_STATUSES))
    reason = fields.Str(required=True)
    by = fields.Str(required=True)


@event_schema("rotation_due", source=SOURCE,
              description="A servant reached the mandatory rotation date in the post "
                          "(published once per due_key).")
class RotationDueSchema(Schema):
    servant_id = fields.Str(required=True)
    due_key = fields.Str(required=True)
    home_region = _region()
    post_region = _region(allow_none=True)
    org_id = fields.Str(required=True)
    position_id = fields.Str(required=True)
    post_start = fields.Date(required=True)
    due_date = fields.Date(required=True)
    years_in_post = fields.Int(required=True, validate=validate.Range(min=0))
    extended = fields.Bool(required=True)


PUBLISHED_EVENTS = ("civil_servant_registered", "rotation_requested", "rotation_approved",
                    "rotation_started", "rotation_extended", "rotation_completed",
                    "rotation_cancelled", "rotation_rejected", "rotation_due")


# --- inbound: consumed, not published -----------------------------------------------------------

INBOUND_SOURCE = "civil_service"


@event_schema("organisation_changed", source=INBOUND_SOURCE,
              description="The civil service agency created, renamed or closed a state body "
                          "(published on ministry.inbound, routing key "
                          "civil_service.organisation_changed; consumed by personnel).")
class OrganisationChangedSchema(Schema):
    org_id = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.Str(required=True, validate=validate.OneOf(ORG_KINDS))
    region_code = _region(allow_none=True)
    change = fields.Str(required=True, validate=validate.OneOf(ORGANISATION_CHANGES))

    @validates_schema
    def _region_follows_kind(self, data, **kwargs):
        # checked on receipt, so a malformed change is dead-lettered at once instead of retried
        if data.get("kind") == "central" and data.get("region_code") is not None:
            raise ValidationError("must be null for a central body", "region_code")
        if data.get("kind") in ("regional", "district") and data.get("region_code") is None:
            raise ValidationError("required for a regional or district body", "region_code")


CONSUMED_EVENTS = ("organisation_changed",)


# every event this contract declares, for the processes that register it
EVENTS = (
    CivilServantRegisteredSchema, RotationRequestedSchema, RotationApprovedSchema,
    RotationStartedSchema, RotationExtendedSchema, RotationCompletedSchema,
    RotationCancelledSchema, RotationRejectedSchema, RotationDueSchema,
    OrganisationChangedSchema,
)
