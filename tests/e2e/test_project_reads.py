"""GET one project from the gateway's copy, on the whole platform with two gateway processes on
one port (SO_REUSEPORT spreads fresh connections between them):
- read-your-writes: after each 2xx command through either process, reads through both show that
  version or a newer one, answered from the copy;
- a change made outside the gateway (the investments service called directly, as the seed and
  imports do) reaches reads through the project's event, and the answer says where it came from;
- a project the copy does not hold is answered by the service, and the copy then answers;
- the policy answers (404 for another region, 403 for a reader's write) are as before.
"""
import time
import uuid

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import rpc  # noqa: F401  (the shared RPC exchange, looked up passively)
from services.investments.application.demo_data import example_project
from tests.e2e.conftest import running_platform
from tests.support import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REGION = "KZ-39"  # example_project's
READS_PER_STEP = 6  # fresh connections per step: both processes answer some of them


def _fresh(method, url, token, **kwargs):
    """One request on a new connection, so either process may take it."""
    with requests.Session() as session:
        return session.request(method, url, headers={"Authorization": f"Bearer {token}",
                                                     "Connection": "close"},
                               timeout=30, **kwargs)


def _reads(platform, project_id, token, times=READS_PER_STEP):
    url = f"{platform.base_url}/api/v1/projects/{project_id}"
    answers = [_fresh("GET", url, token) for _ in range(times)]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    return answers


def test_reads_through_either_gateway_see_every_write_and_state_their_source():
    with running_platform(REPLICAS_GATEWAY="2", RATE_LIMIT_PER_ADDRESS_PER_SECOND="1000",
                          RATE_LIMIT_PER_ADDRESS_BURST="1000") as platform:
        officer = platform.token("regional_officer", REGION, subject="reads-officer")
        base = f"{platform.base_url}/api/v1/projects"
        created = _fresh("POST", base, officer,
                         json=example_project(external_ref=f"E2E-READ-{uuid.uuid4().hex[:10]}"))
        assert created.status_code == 201, created.text
        project = created.json()
        steps = [("PATCH", "", {"jobs_planned": 310}),
                 ("POST", "/stage", {"stage": "appraised"}),
                 ("PATCH", "", {"title": "Renamed plant"}),
                 ("POST", "/stage", {"stage": "approved"})]
        for method, suffix, body in steps:
            for answer in _reads(platform, project["id"], officer):
                seen = answer.json()
                assert seen["version"] >= project["version"], (method, suffix)
                assert seen == project  # nothing else writes it: exactly the command's answer
                assert answer.headers["X-Read-Source"] == "read-model"
            changed = _fresh(method, f"{base}/{project['id']}{suffix}", officer,
                             json={**body, "expected_version": project["version"]})
            assert changed.status_code == 200, changed.text
            project = changed.json()
        for answer in _reads(platform, project["id"], officer):
            assert answer.json() == project and answer.json()["title"] == "Renamed plant"
        served_by = {name for name in ("gateway", "gateway-2")
                     if "http projects_get ok" in platform.log(name)}
        assert served_by == {"gateway", "gateway-2"}

        # outside the gateway: the investments service called directly (local development)
        with ServiceRpcProxy("investments", {"AMQP_URI": platform.env["AMQP_URI"]}) as service:
            outside = service.update(project["id"], {"expected_version": project["version"],
                                                     "jobs_planned": 420}, "ministry-import")
            registered = service.register(
                example_project(external_ref=f"E2E-OUT-{uuid.uuid4().hex[:10]}"), "seed")
        assert outside["version"] == project["version"] + 1

        def shows_outside_change():
            answers = _reads(platform, project["id"], officer, times=2)
            return all(a.json() == outside for a in answers) and answers
        began = time.monotonic()
        answers = wait_until(shows_outside_change, timeout=30,
                             message="the outside change in reads through both processes")
        print(f"[reads] the outside change shown after {time.monotonic() - began:.2f}s")
        assert {a.headers["X-Read-Source"] for a in answers} <= {"investments", "read-model"}
        # asked once after the event, then stored: the copy answers again
        wait_until(lambda: all(a.headers["X-Read-Source"] == "read-model"
                               for a in _reads(platform, project["id"], officer, times=2)),
                   timeout=10, message="the copy answering again")

        # a project no command through the gateway wrote: the service answers, then the copy
        first = _fresh("GET", f"{base}/{registered['id']}", officer)
        assert first.status_code == 200 and first.json() == registered
        assert first.headers["X-Read-Source"] == "investments"
        assert first.headers["X-Read-As-Of"]
        wait_until(lambda: all(a.headers["X-Read-Source"] == "read-model"
                               and a.json() == registered
                               for a in _reads(platform, registered["id"], officer, times=2)),
                   timeout=10, message="the copy answering for a project it did not hold")

        # the policy answers, from the copy as from the service
        other = platform.token("regional_officer", "KZ-55", subject="reads-other")
        unknown = _fresh("GET", f"{base}/{uuid.uuid4()}", other)
        elsewhere = _fresh("GET", f"{base}/{project['id']}", other)
        assert (unknown.status_code, elsewhere.status_code) == (404, 404)
        assert elsewhere.json()["message"] == f"project {project['id']} not found"
        assert elsewhere.json()["details"] == {"id": project["id"]}
        assert unknown.json()["error"] == elsewhere.json()["error"]
        analyst = platform.token("ministry_analyst", subject="reads-analyst")
        assert _reads(platform, project["id"], analyst, times=2)[0].json() == outside
        refused = _fresh("PATCH", f"{base}/{project['id']}", analyst,
                         json={"expected_version": outside["version"], "jobs_planned": 1})
        assert refused.status_code == 403
