"""Two gateway processes on one port (SO_REUSEPORT: the kernel spreads new connections between
them) hold one credential's rate limit and its open-import count together
(edge/shared_limits.py, edge/import_limits.py)."""
import time

import pytest
import requests

from tests.e2e.conftest import running_platform

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

RATE, BURST, SECONDS = 5, 5, 12
SHARE_SECONDS = 0.5
# the store's round trips (a publish, a read) per share interval under this machine's load: the
# interval a process really keeps is T plus them
STORE_SECONDS = 0.5
# what two processes may admit beyond one limit before they hear of each other (the module's
# statement for N = 2: burst + 2 × rate × T, with T as really kept)
TOLERANCE = BURST + 2 * RATE * (SHARE_SECONDS + STORE_SECONDS)


def _fresh(method, url, token, **kwargs):
    """One request on a new connection, so either process may take it."""
    with requests.Session() as session:
        return session.request(method, url, headers={"Authorization": f"Bearer {token}",
                                                     "Connection": "close"},
                               timeout=30, **kwargs)


def _served_by_both(platform) -> bool:
    return all("http list_regions ok" in platform.log(name) for name in ("gateway", "gateway-2"))


def test_two_gateway_processes_hold_one_limit_and_one_open_import_count():
    with running_platform(REPLICAS_GATEWAY="2", RATE_LIMIT_PER_SECOND=str(RATE),
                          RATE_LIMIT_BURST=str(BURST), IMPORT_MAX_OPEN_PER_CREDENTIAL="2",
                          # the per-address limit out of the way: one client address here
                          RATE_LIMIT_PER_ADDRESS_PER_SECOND="1000",
                          RATE_LIMIT_PER_ADDRESS_BURST="1000",
                          RATE_LIMIT_SHARE_SECONDS=str(SHARE_SECONDS)) as platform:
        url = f"{platform.base_url}/api/v1/regions"
        token = platform.token("ministry_analyst", subject="replica-limits")
        admitted = refused = 0
        started = time.monotonic()
        while time.monotonic() - started < SECONDS:  # bounded: one client, one request at a time
            status = _fresh("GET", url, token).status_code
            assert status in (200, 429)
            admitted += status == 200
            refused += status == 429
        elapsed = time.monotonic() - started
        one_limit = BURST + RATE * elapsed
        print(f"[replicas] {admitted} admitted, {refused} refused in {elapsed:.1f}s; one limit "
              f"{one_limit:.0f}, two unaware processes {2 * one_limit:.0f}, tolerance {TOLERANCE}")
        assert refused > admitted  # the client asked far more than the limit
        assert _served_by_both(platform)
        assert admitted <= one_limit + TOLERANCE
        assert admitted >= RATE * elapsed * 0.8  # the limit is not starved by the sharing

        importer = platform.token("regional_officer", "KZ-61", subject="replica-imports")
        imports = f"{platform.base_url}/api/v1/budgets/imports"
        time.sleep(BURST / RATE + 1)  # the buckets full again
        opened = [_fresh("POST", imports, importer, json={"format": "csv"}) for _ in range(2)]
        assert [answer.status_code for answer in opened] == [201, 201], [a.text for a in opened]
        more = []
        for _ in range(6):  # on fresh connections: either process answers
            more.append(_fresh("POST", imports, importer, json={"format": "csv"}).status_code)
            time.sleep(BURST / RATE / 4)
        assert more == [429] * 6
