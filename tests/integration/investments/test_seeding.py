"""``regionctl seed`` for investments (services.investments.cli.seed_command) against a real
service container: a demo pipeline across every region, agglomeration and stage, loaded over RPC;
a re-run adds nothing and finishes what an interrupted run left part-way.
"""
from argparse import Namespace
from collections import Counter

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.common.regions import AGGLOMERATIONS, REGION_CODES
from services.investments import cli
from services.investments.application.demo_data import generate_projects

pytestmark = pytest.mark.integration

N = 30
SEED = 77


def test_seed_loads_a_demo_pipeline_and_a_rerun_changes_nothing(service, store, nameko_config,
                                                               capsys):
    # an interrupted earlier run left one project registered but not moved on
    payloads = generate_projects(N, seed=SEED)
    unfinished = next(i for i in range(N) if cli.plan_for(i, SEED)[0] == "commissioned")
    with ServiceRpcProxy("investments", nameko_config) as rpc:
        rpc.register(payloads[unfinished], "earlier-run")

    assert cli.seed_command(Namespace(projects=N, seed=SEED)) == 0
    first_output = capsys.readouterr().out
    assert f"{N - 1} registered, 1 already there" in first_output
    assert "0 failed" in first_output

    projects = list(store.projects.find({}, {"_outbox": 0}))
    assert len(projects) == N
    assert {p["region_code"] for p in projects} == set(REGION_CODES)
    assert {p["agglomeration"] for p in projects} - {None} == set(AGGLOMERATIONS)
    by_ref = {p["external_ref"]: p for p in projects}
    for i, payload in enumerate(payloads):
        target, interrupted_at = cli.plan_for(i, SEED)
        project = by_ref[payload["external_ref"]]
        assert project["stage"] == target, payload["external_ref"]
        if target in ("suspended", "cancelled"):
            assert project["stage_history"][-2]["to"] == interrupted_at or (
                target == "cancelled" and project["stage_history"][-2]["to"] == "suspended")
        if target in ("commissioned", "evaluated"):
            assert project["jobs_created"] > 0 and project["actual_commissioning"] is not None
    assert by_ref[payloads[unfinished]["external_ref"]]["stage"] == "commissioned"
    stages = Counter(p["stage"] for p in projects)
    assert len(stages) >= 6  # a pipeline, not one stage

    versions = {p["_id"]: p["version"] for p in projects}
    assert cli.seed_command(Namespace(projects=N, seed=SEED)) == 0
    second_output = capsys.readouterr().out
    assert f"0 registered, {N} already there, 0 events" in second_output
    assert {p["_id"]: p["version"] for p in store.projects.find({}, {"version": 1})} == versions


@pytest.mark.parametrize("current,target,interrupted_at,expected_first", [
    ("proposed", "financed", "proposed", ("change_stage", "appraised")),
    ("approved", "evaluated", "proposed", ("change_stage", "financed")),
    ("under_implementation", "commissioned", "proposed", ("report_progress", None)),
    ("financed", "suspended", "financed", ("change_stage", "suspended")),
    ("financed", "financed", "proposed", None),
])
def test_remaining_steps_resume_after_the_current_stage(current, target, interrupted_at,
                                                        expected_first):
    from datetime import date
    steps = cli.demo_steps(target, today=date(2025, 11, 1), interrupted_at=interrupted_at)
    todo = cli.remaining_steps(steps, current, target, interrupted_at)
    if expected_first is None:
        assert todo == []
    else:
        kind, command = todo[0]
        assert (kind, command.get("stage")) == expected_first
    assert cli.remaining_steps(steps, "cancelled", target, interrupted_at) is None \
        or target == "cancelled"
