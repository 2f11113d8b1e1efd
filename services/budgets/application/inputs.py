"""The contract's input schemas as the service loads them: the same fields, plus the domain's
cross-field rules (which the contract, free of service internals, cannot run itself).

A revenue line loads to the domain's line document (Decimal amount, ``ebk_category``); field
errors and rule problems are reported together, each under its field.
"""
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from services.budgets.contract.rpc import (
    MAX_BATCH_LINES,
    RevenueBatchSchema,
    RevenueLineSchema,
    TransfersSchema,
)
from services.budgets.domain.lines import check_revenue_line, check_transfers


class RevenueLineInput(RevenueLineSchema):

    @validates_schema(skip_on_field_errors=False)
    def _domain_rules(self, data, **kwargs):
        # Runs even when a field failed, so an unknown code is reported together with a bad
        # amount; fields that already failed (absent from ``data``) are not reported twice.
        _, problems = check_revenue_line(data)
        problems = {name: reasons for name, reasons in problems.items()
                    if name in data or name not in self.fields}
        if problems:
            raise ValidationError(problems)

    @post_load
    def _to_document(self, data, **kwargs):
        line, _ = check_revenue_line(data)
        return line


class RevenueBatchInput(RevenueBatchSchema):
    lines = fields.List(fields.Nested(RevenueLineInput), required=True,
                        validate=validate.Length(min=1, max=MAX_BATCH_LINES))


class TransfersInput(TransfersSchema):

    @post_load
    def _to_document(self, data, **kwargs):
        record, problems = check_transfers(data)
        if problems:
            raise ValidationError(problems)
        return record
