"""The document's links, followed for each role with every schemathesis check.

Every link (edge/openapi_exact.py LINKS: project, organisation → post, servant, rotation →
approval → start, block budget, import, initiative, API key, settlement import) goes from an
operation that creates something to the operations on what it created. A Hypothesis state machine
over them fills a link's bundle only when its source call succeeded under the load of the moment,
so its rules differ between runs (``FlakyStrategyDefinition``). Here the steps are explicit and
the same every run:

1. seed: each source operation is called once, as admin, with a fixed valid body (the ids
   from earlier seeds filled in), in an order where a link's source precedes its target; the
   answer must be the link's status and passes every check;
2. follow: for each role and each link, the target operation gets a few generated valid
   requests (Hypothesis, derandomised, no shrinking) with the link's parameters taken from the
   source's answer by the link's own expression; every answer goes through every check,
   under the same per-operation statuses as the conformance run (test_openapi_conformance.py).

Zero failures; when there are some, the assertion lists each with its check, role and curl.
"""
import time
import uuid
from datetime import date, timedelta

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup

from services.personnel.domain.iin import first_valid_iin
from tests.support.openapi_conformance import (
    ROLE_BODY,
    ROLES,
    all_response_checks,
    conformance_config,
    describe,
    register_identifier_formats,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

REGION = "KZ-61"  # the regional officer's own region: seeds live there so every role reaches them
EXAMPLES_PER_LINK = 2
SETTINGS = dict(deadline=None, derandomize=True, database=None, max_examples=EXAMPLES_PER_LINK,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
SETTLEMENTS_CSV = "\n".join([
    "te,ab,cd,ef,hij,k,kaz_name,rus_name,nn,kind,urban_population,rural_population,"
    "population_year,population_source,flags,agglomeration",
    "611010000,61,10,10,000,3,Түркістан,Туркестан,1,town,180000,0,2025,links,,",
]) + "\n"


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def _project(run: str) -> dict:
    return {"title": "Links flow plant", "sector": "energy", "project_type": "new_production",
            "region_code": REGION, "external_ref": f"LINKS-{run}", "jobs_planned": 10,
            "investor": {"name": "Links Energy LLP", "bin": "000000000000", "country": "KZ"},
            "total_cost": {"amount": "1000000.00", "currency": "KZT"}}


# source operationId -> the seed request: (path parameters, body, query, media type) from the
# run id and the answers of the seeds before it (by operationId)
SEEDS = {
    "projects_create": lambda run, made: ({}, _project(run), None, "application/json"),
    "personnel_create_organisation": lambda run, made: (
        {}, {"name": f"Akimat links {run}", "kind": "regional", "region_code": REGION}, None,
        "application/json"),
    "personnel_create_position": lambda run, made: (
        {"org_id": made["personnel_create_organisation"]["org_id"]},
        {"title": "Head of Division", "corps": "B", "category": "D-3"}, None, "application/json"),
    "personnel_register_servant": lambda run, made: (
        {}, {"iin": first_valid_iin(date(1986, 4, 12), "female", int(run[:4], 16) % 10000),
             "full_name": "Links Aigerim", "service_start": "2010-09-01",
             "post_start": "2021-03-01",
             "position_id": made["personnel_create_position"]["position_id"]},
        None, "application/json"),
    "personnel_request_rotation": lambda run, made: (
        {}, {"servant_id": made["personnel_register_servant"]["servant_id"],
             "target_position_id": made["target_post"]["position_id"],
             "planned_start": _day(30), "term_months": 12}, None, "application/json"),
    "personnel_approve_rotation": lambda run, made: (
        {"rotation_id": made["personnel_request_rotation"]["rotation_id"]},
        {"side": "sending", "comment": "agreed"}, None, "application/json"),
    "budgets_create_block": lambda run, made: (
        {}, {"spending_body": f"Links body {run}", "region_code": REGION, "fiscal_year": 2027,
             "limit_kzt": "100.00", "lines": [{"line_id": "a", "allocated_kzt": "60.00"},
                                              {"line_id": "b"}]}, None, "application/json"),
    "budgets_start_import": lambda run, made: ({}, {"format": "csv"}, None, "application/json"),
    "hub_create_initiative": lambda run, made: (
        {}, {"region_code": REGION, "title": "Road to the industrial zone",
             "responsible_body": "Akimat of Turkistan region", "due_date": _day(90)},
        None, "application/json"),
    "admin_create_api_key": lambda run, made: (
        {}, {"role": "ministry_analyst", "label": f"links {run}"}, None, "application/json"),
    "hub_import_settlements": lambda run, made: (
        {}, SETTLEMENTS_CSV, {"file_name": f"links-{run}.csv"}, "text/csv"),
}


def document_links(schema) -> list[tuple[str, str, str, str, dict]]:
    """(source operationId, status, link name, target operationId, parameters) per link."""
    found = []
    for operations in schema.raw_schema["paths"].values():
        for op in operations.values():
            for status, response in op.get("responses", {}).items():
                for name, link in (response.get("links") or {}).items():
                    found.append((op["operationId"], status, name, link["operationId"],
                                  dict(link["parameters"])))
    return found


def resolve(expression: str, body: dict):
    """A ``$response.body#/<pointer>`` expression against the source's JSON answer."""
    prefix = "$response.body#/"
    assert expression.startswith(prefix), expression
    value = body
    for part in expression[len(prefix):].split("/"):
        value = value[part]
    return value


def _session(token: str, **headers) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", **headers})
    return session


def seed(schema, platform, checks) -> dict:
    """Each source operation called once with its fixed body; its answers by operationId."""
    operations = {result.ok().definition.raw["operationId"]: result.ok()
                  for result in schema.get_all_operations()}
    run = uuid.uuid4().hex[:8]
    requester = _session(platform.token("admin", subject="links-requester"))
    approver = _session(platform.token("admin", subject="links-approver"))
    made: dict = {}
    ministry = requester.post(f"{platform.base_url}/api/v1/personnel/organisations", timeout=30,
                              json={"name": f"Ministry links {run}", "kind": "central"})
    assert ministry.status_code == 201, ministry.text
    target = requester.post(
        f"{platform.base_url}/api/v1/personnel/organisations/{ministry.json()['org_id']}/positions",
        json={"title": "Chief Expert", "corps": "B", "category": "C-4"}, timeout=30)
    assert target.status_code == 201, target.text
    made["target_post"] = target.json()
    for operation_id, build in SEEDS.items():
        operation = operations[operation_id]
        path_parameters, body, query, media_type = build(run, made)
        case = operation.Case(path_parameters=path_parameters or None, body=body, query=query,
                              media_type=media_type)
        session = approver if operation_id == "personnel_approve_rotation" else requester
        response = case.call_and_validate(base_url=platform.base_url, session=session,
                                          checks=checks, timeout=30)
        assert 200 <= response.status_code < 300, (operation_id, response.status_code,
                                                   response.text[:500])
        made[operation_id] = response.json()
    return made


def follow(schema, platform, made, links, role, region, checks, failures, stats) -> None:
    operations = {result.ok().definition.raw["operationId"]: result.ok()
                  for result in schema.get_all_operations()}
    session = _session(platform.token(role, region, subject=f"links-{role}", body=ROLE_BODY.get(role)))
    for source, _status, _name, target, parameters in links:
        values = {name: resolve(expression, made[source])
                  for name, expression in parameters.items()}
        link_run(operations[target], values, platform.base_url, session, role, checks,
                 failures, stats)()


def link_run(operation, values, base_url, session, role, checks, failures, stats):
    """One Hypothesis run of a link's target: generated valid requests, the link's values in."""
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(**SETTINGS)
    def run(case):
        stats["requests"] += 1
        for name, value in values.items():  # the link's parameters, all in the path here
            case.path_parameters[name] = str(value)
        try:
            case.call_and_validate(base_url=base_url, session=session, checks=checks, timeout=30)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.setdefault((role, operation.label, failure.code),
                                    describe(role, failure, case))
        except Failure as failure:
            failures.setdefault((role, operation.label, failure.code),
                                describe(role, failure, case))
    return run


def test_every_role_follows_the_documented_links(platform):
    started = time.monotonic()
    register_identifier_formats()
    schema = schemathesis.openapi.from_url(f"{platform.base_url}/openapi.json",
                                           config=conformance_config())
    links = document_links(schema)
    assert len(links) >= 25
    assert {source for source, *_ in links} == set(SEEDS)  # every flow is seeded
    checks = all_response_checks()
    made = seed(schema, platform, checks)
    failures: dict = {}
    stats = {"requests": 0}
    for role, region in ROLES:
        follow(schema, platform, made, links, role, region, checks, failures, stats)
    print(f"[links] {len(links)} links, {len(ROLES)} roles, {stats['requests']} requests, "
          f"{len(failures)} distinct failures, {time.monotonic() - started:.1f}s")
    assert stats["requests"] >= len(links) * len(ROLES)
    assert failures == {}, f"{len(failures)} distinct failures:\n" + "\n".join(
        failures[key] for key in sorted(failures))
