"""The API document is the API: schemathesis, every check on, against /openapi.json, per role.

Each operation gets a few generated requests per role (Hypothesis, derandomised, no shrinking):
data valid per the document, then data that breaks it; every answer goes through all of
schemathesis' response checks (server errors, documented status codes, content types, headers,
response schemas, valid data accepted, invalid data refused, missing headers, methods the path
does not take, Allow on a 405). A 403 for a role that may not call an operation is a documented
answer; so is a 404 for an unknown id a body names, and a 422 for a rule the document cannot
state, on the operations that list one (tests/support/openapi_conformance.py says which and why).
The document's links are followed in test_openapi_links.py.

Zero failures, none tolerated; when there are some, the assertion lists each with its check, role
and curl.
(schemathesis' pytest plugin cannot resolve a fixture-provided schema under pytest 9, so the
operations are driven here, one Hypothesis run each.)
"""
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup

from tests.support.openapi_conformance import (
    BUSINESS_RULE_STATUSES,
    ROLE_BODY,
    ROLES,
    all_response_checks,
    conformance_config,
    describe,
    documented_business_refusals,
    register_identifier_formats,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # 90-460 s, by the load of the machine

# requests per operation and role: the admin reaches every route body, the others mostly their
# permission answers, so they get fewer
EXAMPLES = {"admin": {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}}
OTHER_ROLES_EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 1}
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def fuzz_role(schema, base_url, token, role, checks, failures: dict, stats):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.get(role, OTHER_ROLES_EXAMPLES).items():
            run = operation_run(operation, mode, examples, base_url, session, role, checks,
                                failures, stats)
            try:
                run()
            except Unsatisfiable:  # nothing to break (no parameters, no body): no negative case
                stats["unbreakable"] += 1


def operation_run(operation, mode, examples, base_url, session, role, checks, failures, stats):
    """One Hypothesis run of one operation: each failure kept once per (role, operation, code)."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, **SETTINGS)
    def run(case):
        stats["requests"] += 1
        try:
            case.call_and_validate(base_url=base_url, session=session, checks=checks, timeout=30)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.setdefault((role, operation.label, failure.code),
                                    describe(role, failure, case))
        except Failure as failure:
            failures.setdefault((role, operation.label, failure.code), describe(role, failure, case))
    return run


# One test per role, so that `make test` can run the roles in separate pytest processes, each with a
# platform of its own (tests/run_suites.sh): they are independent Hypothesis runs, and one after
# the other they took most of the e2e suite's time.
@pytest.mark.parametrize("role,region", ROLES, ids=[role for role, _ in ROLES])
def test_every_role_gets_only_documented_answers(platform, role, region):
    started = time.monotonic()
    register_identifier_formats()
    schema = schemathesis.openapi.from_url(f"{platform.base_url}/openapi.json",
                                           config=conformance_config())
    # the operations allowed a 422 for valid data are exactly those that document one
    assert documented_business_refusals(schema) == set(BUSINESS_RULE_STATUSES)
    checks = all_response_checks()
    failures: dict = {}
    stats = {"requests": 0, "unbreakable": 0}
    token = platform.token(role, region, body=ROLE_BODY.get(role))
    fuzz_role(schema, platform.base_url, token, role, checks, failures, stats)
    elapsed = time.monotonic() - started
    print(f"[openapi] {len(checks)} checks, role {role}, {stats['requests']} requests, "
          f"{len(failures)} distinct failures, {elapsed:.1f}s")
    assert {c.__name__ for c in checks} >= {
        "not_a_server_error", "status_code_conformance", "content_type_conformance",
        "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
        "positive_data_acceptance", "unsupported_method", "allow_header_conformance"}
    assert stats["requests"] >= 90  # per role: the 90 x roles the single run asserted, role by role
    assert failures == {}, f"{len(failures)} distinct failures:\n" + "\n".join(
        failures[key] for key in sorted(failures))
