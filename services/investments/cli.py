"""Command-line tasks of the investments service.

``seed`` loads a realistic demo pipeline through the service's RPC interface (so every project is
validated by the domain and every event is published, exactly as for a real client): ``n``
projects from ``seed.generate_projects`` (regions round-robin, so all 20 regions and all 5
agglomerations appear from n >= 20), each pushed to a target stage drawn from a realistic mix with
the commands of ``seed.demo_steps``.

Re-running is safe: projects are keyed by ``external_ref``; one already registered is not
registered again, and one left part-way (an interrupted run) is moved on to its target stage.
Wired into ``regionctl seed``::

    parser = sub.add_parser("seed"); add_seed_arguments(parser); parser.set_defaults(func=seed_command)
"""
import argparse
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

from nameko.standalone.rpc import ClusterRpcProxy

from services.common import remote_errors  # noqa: F401  (errors come back as their own types)
from services.common.config import load_settings
from services.common.errors import DuplicateKey, PlatformError
from services.investments.application.demo_data import demo_steps, generate_projects, stage_path
from services.investments.application.seeding import MAX_BATCH, plan_for  # noqa: F401  (re-exported)
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import local_today

DEFAULT_PROJECTS = 600
DEFAULT_SEED = 2025
SEED_ACTOR = "seed"
IN_FLIGHT = 20  # projects worked on concurrently (the service runs 10 workers by default)
RPC_TIMEOUT_SECONDS = 60


def add_seed_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS,
                        help=f"how many demo projects (default {DEFAULT_PROJECTS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="random seed; the same seed gives the same projects")
    return parser


def remaining_steps(steps: list, current_stage: str, target: str,
                    interrupted_at: str) -> list | None:
    """The steps still to run for a project now at ``current_stage``; None if it left the plan."""
    if current_stage == "proposed":
        return list(steps)
    path = stage_path(target, interrupted_at=interrupted_at)
    if current_stage not in path:
        return None
    position = next(i for i, (kind, command) in enumerate(steps)
                    if kind == "change_stage" and command["stage"] == current_stage)
    return steps[position + 1:]


BULK_BATCH = 100  # projects per load_seed call


def seed_projects(rpc, n: int, seed: int, *, today=None, log=print) -> Counter:
    """Load ``n`` demo projects through ``rpc`` (a ClusterRpcProxy); returns what happened.

    The service makes and stores them in bulk (``load_seed``, see application.seeding); projects whose
    external_ref was registered before (an earlier seed through commands, or by hand) are moved
    on to their demo stage with commands, as before."""
    today = today or local_today(datetime.now(timezone.utc), DEFAULT_SETTINGS)
    outcome: Counter = Counter()
    before = []
    replies = [rpc.investments.load_seed.call_async(
        {"seed": seed, "total": n, "start": start, "count": min(BULK_BATCH, n - start)})
        for start in range(0, n, BULK_BATCH)]
    for reply in replies:
        report = reply.result()
        outcome["registered"] += report["stored"]
        outcome["already_registered"] += report["existing"]
        outcome["events"] += report["events"]
        outcome["advanced"] += report["stored"]
        before.extend(report["registered_before"])
    if before:
        log(f"  {len(before)} projects registered before: moving them on with commands")
        _seed_by_commands(rpc, seed, n, sorted(before), today, outcome, log)
    return outcome


def _seed_by_commands(rpc, seed: int, n: int, indexes: list, today, outcome: Counter, log):
    payloads = generate_projects(n, seed=seed)
    for start in range(0, len(indexes), IN_FLIGHT):
        batch = indexes[start:start + IN_FLIGHT]
        projects = _register_batch(rpc, payloads, batch, outcome, log)
        work = {}
        for i, project in projects.items():
            target, interrupted_at = plan_for(i, seed)
            steps = demo_steps(target, today=today, seed=seed * 1_000_003 + i,
                               interrupted_at=interrupted_at,
                               cost_kzt=Decimal(project["cost_kzt"]))
            todo = remaining_steps(steps, project["stage"], target, interrupted_at)
            if todo is None:
                outcome["left_as_found"] += 1  # changed by hand since: not ours to move
            elif todo:
                work[i] = (project, todo)
        _advance_batch(rpc, payloads, work, outcome, log)


def _register_batch(rpc, payloads, batch, outcome: Counter, log) -> dict:
    service = rpc.investments
    lookups = {i: service.find_by_external_ref.call_async(payloads[i]["external_ref"])
               for i in batch}
    projects = {}
    for i, reply in lookups.items():
        existing = reply.result()
        if existing is not None:
            projects[i] = existing
            outcome["already_registered"] += 1
    replies = {i: service.register.call_async(payloads[i], SEED_ACTOR)
               for i in batch if i not in projects}
    for i, reply in replies.items():
        try:
            projects[i] = reply.result()
            outcome["registered"] += 1
        except DuplicateKey:  # a concurrent seeder registered it first
            projects[i] = service.find_by_external_ref(payloads[i]["external_ref"])
            outcome["already_registered"] += 1
        except PlatformError as exc:
            outcome["failed"] += 1
            log(f"  {payloads[i]['external_ref']}: not registered: {exc.message} {exc.details}")
    return projects


def _advance_batch(rpc, payloads, work: dict, outcome: Counter, log) -> None:
    """Run each project's steps in order; projects of the batch advance side by side."""
    service = rpc.investments
    while work:
        replies = {}
        for i, (project, todo) in work.items():
            kind, command = todo[0]
            replies[i] = getattr(service, kind).call_async(
                project["id"], {**command, "expected_version": project["version"]}, SEED_ACTOR)
        for i, reply in replies.items():
            project, todo = work[i]
            try:
                project = reply.result()
            except PlatformError as exc:
                outcome["failed"] += 1
                log(f"  {payloads[i]['external_ref']}: {todo[0][0]} refused: {exc.message} "
                    f"{exc.details}")
                del work[i]
                continue
            if len(todo) == 1:
                outcome["advanced"] += 1
                del work[i]
            else:
                work[i] = (project, todo[1:])


def seed_command(args) -> int:
    """``regionctl seed``: load the demo pipeline through the investments service's RPC."""
    n = getattr(args, "projects", DEFAULT_PROJECTS)
    seed = getattr(args, "seed", DEFAULT_SEED)
    if n < 0:
        print("--projects must not be negative", file=sys.stderr)
        return 2
    settings = load_settings()
    started = time.monotonic()
    print(f"investments: seeding {n} demo projects (seed {seed})")
    with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri, "serializer": "json"},
                         timeout=RPC_TIMEOUT_SECONDS) as rpc:
        outcome = seed_projects(rpc, n, seed)
    print(f"investments: {outcome['registered']} registered, {outcome['already_registered']} "
          f"already there, {outcome['events']} events, {outcome['advanced']} at their demo stage, "
          f"{outcome['left_as_found']} left as found, {outcome['failed']} failed "
          f"({time.monotonic() - started:.1f}s)")
    return 1 if outcome["failed"] else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.investments.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    seed = add_seed_arguments(sub.add_parser("seed", help="load the demo pipeline"))
    seed.set_defaults(func=seed_command)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
