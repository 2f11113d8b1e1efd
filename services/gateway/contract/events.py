"""Payload schemas of the events the hub publishes (``gateway.events``): facts of the settlement
register, its SRS assessments, the 1 April report to the Ministry of National Economy and the
Concept Action Plan. Ministry systems bind their own queue to these as to any service's events;
the hub's own journal records them too, so the coordination journal shows who did what when.
"""
from marshmallow import Schema, fields, validate

from services.common.events import event_schema
from services.common.regions import REGION_CODES
from services.common.srs import KATO_PATTERN, SRS_STANDARDS

SOURCE = "gateway"
_PCT = {"type": "string", "format": "decimal", "description": "percent, 0..100"}


def _pct(**kwargs):
    return fields.Decimal(as_string=True, places=1, metadata=_PCT, **kwargs)


class _Source(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(("manual", "import", "event")))
    by = fields.Str(required=True, allow_none=True)
    reference = fields.Str(required=True, allow_none=True)
    import_id = fields.Str(required=True, allow_none=True)
    file_name = fields.Str(required=True, allow_none=True)


class _Coverage(Schema):
    """Coverage per standard, percent (null: not assessed)."""
    education = _pct(required=True, allow_none=True)
    health = _pct(required=True, allow_none=True)
    culture = _pct(required=True, allow_none=True)
    sport = _pct(required=True, allow_none=True)
    engineering = _pct(required=True, allow_none=True)
    transport = _pct(required=True, allow_none=True)


@event_schema("settlement_register_imported", source=SOURCE,
              description="A settlement register file (the Bureau's KATO classifier) was imported.")
class SettlementRegisterImported(Schema):
    import_id = fields.Str(required=True)
    file_name = fields.Str(required=True)
    rows_processed = fields.Int(required=True)
    units_inserted = fields.Int(required=True)
    units_updated = fields.Int(required=True)
    units_unchanged = fields.Int(required=True)
    rows_rejected = fields.Int(required=True)
    rows_skipped = fields.Int(required=True)
    region_codes = fields.List(fields.Str(validate=validate.OneOf(REGION_CODES)), required=True)
    imported_by = fields.Str(required=True)


@event_schema("settlement_srs_assessed", source=SOURCE,
              description="A settlement's SRS coverage for a year was recorded (or corrected).")
class SettlementSrsAssessed(Schema):
    kato = fields.Str(required=True, validate=validate.Regexp(KATO_PATTERN))
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))
    year = fields.Int(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(("town", "village")))
    coverage = fields.Nested(_Coverage, required=True)
    provision_pct = _pct(required=True)
    standards_missed = fields.List(fields.Str(validate=validate.OneOf(SRS_STANDARDS)),
                                   required=True)
    meets_srs = fields.Bool(required=True)
    source = fields.Nested(_Source, required=True)


# every event this contract declares, for the processes that register it
EVENTS = (
    SettlementRegisterImported, SettlementSrsAssessed,
)
