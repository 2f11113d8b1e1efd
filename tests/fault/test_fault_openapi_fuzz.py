"""Schemathesis against the gateway's own OpenAPI document, with valid credentials: no 5xx.

Every operation of /openapi.json gets up to MAX_EXAMPLES generated requests (Hypothesis, no
deadline, derandomised) as an admin on the fault suite's platform (its own broker, store and
databases, so whatever the fuzzer writes stays there): data valid per the document, then data
that breaks it. Whatever the input, the answer must be a 2xx, 3xx or a 4xx naming the problem;
a 5xx is an unhandled error. (schemathesis' pytest plugin cannot resolve a fixture-provided
schema under pytest 9, so the operations are driven here, one Hypothesis run each.)
"""
import time
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support.fault_infra import HANG_GUARD_SECONDS
from tests.support.fault_ledger import NOTES

# A hang guard, not a speed goal: it covers starting the replicated platform too, and `make test`
# runs this beside other suites on 2 cores, where some 2,800 requests took more than 290 s.
pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

MAX_EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}  # 25 per operation
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def test_no_operation_answers_5xx_to_a_valid_caller(fault_platform):
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{fault_platform.base_url}/openapi.json")
    session = requests.Session()
    session.headers.update(fault_platform.headers("admin"))
    statuses, server_errors, operations, unbreakable = Counter(), [], [], []

    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)
        for mode, examples in MAX_EXAMPLES.items():
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, **SETTINGS)
            def call(case):
                response = case.call(base_url=fault_platform.base_url, session=session, timeout=30)
                statuses[f"{response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    # run at once, inside this iteration of the loop over modes
                    server_errors.append(f"{case.method} {case.formatted_path} ({mode.value}) -> "  # noqa: B023
                                         f"{response.status_code} {response.text[:300]}\n"
                                         f"    {case.as_curl_command()}")
            try:
                call()
            except Unsatisfiable:  # nothing to break (no parameters, no body): no negative case
                unbreakable.append(operation.label)

    NOTES.append(
        f"[fuzz] f. schemathesis {schemathesis.SCHEMATHESIS_VERSION} on /openapi.json: "
        f"{len(operations)} operations, {sum(statuses.values())} requests "
        f"(up to {sum(MAX_EXAMPLES.values())} per operation), {dict(sorted(statuses.items()))}, "
        f"5xx={len(server_errors)}, {len(unbreakable)} operations without a negative case, "
        f"duration={time.monotonic() - started:.1f}s")
    print(NOTES[-1])
    assert len(operations) >= 50
    assert server_errors == [], "\n".join(server_errors[:20])
