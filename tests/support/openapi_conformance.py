"""What the conformance runs share (tests/e2e/test_openapi_conformance.py and
test_openapi_links.py): the roles, every check, the statuses the document allows beyond
schemathesis' defaults and why, and the identifier formats the document names."""
from datetime import date

import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
)
from schemathesis.core.failures import Failure

from services.gateway.edge.openapi_formats import BIN_FORMAT, IIN_FORMAT
from services.investments.contract.identifiers import bin_check_digit
from services.personnel.domain.iin import first_valid_iin

ROLES = [("admin", None), ("ministry_analyst", None), ("office_coordinator", None),
         ("regional_officer", "KZ-61"), ("hr_officer", None), ("central_officer", None)]
# the central body a role's token names (a central officer acts for one; access/principal.py)
ROLE_BODY = {"central_officer": "MF"}
# Where the document lets a schema-valid request be refused, and why. Everything else is strict:
# schemathesis' default statuses for every check (positive data: 2xx, 3xx, 401, 403, 404, 409,
# 429, 5xx-as-its-own-failure; negative data: 400, 401, 403, 404, 405, 406, 409, 415, 422, 428,
# 429).
# - 422: a rule the document cannot state refused it (edge/business_rules.py): what a file holds,
#   a sum or an order between fields, an EBK code of the year's classification edition. The
#   gateway answers 422 only when every field its details name is one of the route's rules, and
#   `business_refusal_names_its_rule` below checks that the body says so.
BUSINESS_RULE_STATUSES = {
    "POST /api/v1/projects": ("422", "financing within the cost, the cost's KZT cap, the "
                                     "agglomeration and SRS settlements in the region, dates in order"),
    "PATCH /api/v1/projects/{project_id}": ("422", "as for a new project, over the merged one, "
                                                   "and actual dates as the stage allows"),
    "GET /api/v1/projects": ("422", "a cost range runs from low to high"),
    "GET /api/v1/projects/export": ("422", "a cost range runs from low to high"),
    "POST /api/v1/budgets/revenues": ("422", "the EBK code is in the fiscal year's edition"),
    "POST /api/v1/budgets/imports": ("422", "the OFDP descriptor is a data package of revenues, "
                                            "no key holding U+0000"),
    "POST /api/v1/budgets/imports/ofdp": ("422", "the body is a zip holding such a package"),
    "POST /api/v1/hub/settlements/imports": ("422", "the CSV body has the register's header"),
    "POST /api/v1/hub/action-plan/indicators": ("422", "target years come after the baseline"),
    "POST /api/v1/budgets/blocks/{block_id}/executions": ("422", "the line is the block's"),
    "POST /api/v1/budgets/blocks/{block_id}/moves": ("422", "two different lines of the block"),
    "POST /api/v1/personnel/organisations/{org_id}/positions": ("422", "the category is in the "
                                                                      "register of the corps"),
    "POST /api/v1/personnel/civil-servants/{servant_id}/term-extensions": (
        "422", "the extension ends after the current due date"),
    "POST /api/v1/personnel/rotations/{rotation_id}/approve": (
        "422", "a caller without a region names its side"),
    "POST /api/v1/personnel/civil-servants": ("422", "birth date and sex agree with the IIN, "
                                                     "service dates in order and of age"),
}
# - 413 for negative data: a chunk number above the document's maximum (the import's byte cap
#   divided by the chunk size) is refused as too large for the import (issue 12 item 3); the
#   document states the maximum, so no schema-valid chunk number gets it.
NEGATIVE_EXTRA_STATUSES = {
    "PUT /api/v1/budgets/imports/{import_id}/chunks/{seq}": ("413", "a chunk past the byte cap"),
}


def conformance_config() -> schemathesis.config.SchemathesisConfig:
    operations = [
        {"include-name": label, "checks": {"positive_data_acceptance": {
            "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, status]}}}
        for label, (status, _why) in BUSINESS_RULE_STATUSES.items()]
    operations += [
        {"include-name": label, "checks": {"negative_data_rejection": {
            "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, status]}}}
        for label, (status, _why) in NEGATIVE_EXTRA_STATUSES.items()]
    return schemathesis.config.SchemathesisConfig.from_dict({"operations": operations})


def register_identifier_formats() -> None:
    """The document names the formats of BINs and IINs (twelve digits with a check digit; an
    IIN's first seven its birth date and sex): valid ones are generated as a client makes them."""
    def bins(first_eleven):
        check = bin_check_digit(first_eleven)
        return None if check is None else first_eleven + str(check)
    eleven = st.text("0123456789", min_size=11, max_size=11)
    schemathesis.openapi.format(BIN_FORMAT, eleven.map(bins).filter(bool))
    schemathesis.openapi.format(IIN_FORMAT, st.builds(
        first_valid_iin, st.dates(date(1950, 1, 1), date(2004, 12, 31)),
        st.sampled_from(["male", "female"]), st.integers(0, 9999)))


@schemathesis.check
def business_refusal_names_its_rule(ctx, response, case):
    """A 422 is the gateway's business refusal: ``unprocessable`` with the fields it names."""
    if response.status_code != 422:
        return None
    body = response.json()
    if body.get("error") != "unprocessable" or not body.get("details"):
        raise AssertionError(f"a 422 must be an unprocessable error naming its fields: {body}")
    return None


def all_response_checks():
    load_all_checks()
    return [check for check in CHECKS.get_all() if not is_check_class(check)]


def documented_business_refusals(schema) -> set[str]:
    return {f"{method.upper()} {path}" for path, operations in schema.raw_schema["paths"].items()
            for method, op in operations.items() if "422" in op.get("responses", {})}


def describe(role, failure: Failure, case) -> str:
    return (f"[{failure.code} {type(failure).__name__}] {role}: {case.method} {case.path} "
            f"({case.meta.generation.mode.value if case.meta else '?'}) {failure.title}: "
            f"{failure.message[:300]}\n    {case.as_curl_command()}")


