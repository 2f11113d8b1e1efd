"""The bulk path of the demo seed: projects made by the domain in the service, stored in bulk.

``regionctl seed`` used to send every command over RPC (a registration and four or five moves
per project, each a read, a versioned write and an outbox flush of five store round trips):
368 s for 600 projects. Here one RPC call makes a batch of demo projects with the very domain
commands (``register_project`` then ``seed.advance``), so every fact the commands emit is kept,
in order, and stores:

1. the batch's events, in the outbox of small carrier documents (``seed_batches``), whose insert
   is the commit point of those events: the relay publishes them exactly as for any write, and a
   batch loaded again finds its carrier and publishes nothing twice;
2. the projects, in one ``insert_many`` (a project already stored, by id or external_ref, is
   skipped).
Projects whose external_ref was registered before (by hand, or by an earlier seed through
commands) are left out of both and reported back, so the caller can move them on with commands.
Ids are deterministic (``seed-<seed>-<index>``), so a re-run regenerates the same documents.
"""
import hashlib
import random
from datetime import datetime

from services.common.errors import DuplicateKey
from services.common.loading import load
from services.investments import domain
from services.investments.application.demo_data import advance, generate_projects
from services.investments.contract import limits
from services.investments.contract.rpc import SeedBatch
from services.investments.domain.reference import CANCELLED, SUSPENDED

MAX_BATCH = limits.MAX_SEED_BATCH
EVENTS_PER_CARRIER = 100  # one insert and one $pullAll per carrier
SEED_ACTOR = "seed"

# Where the demo projects end up: a pipeline heavy at implementation, with a tail of finished,
# suspended and cancelled projects.
STAGE_MIX = (("proposed", 14), ("appraised", 11), ("approved", 10), ("financed", 10),
             ("under_implementation", 25), ("commissioned", 13), ("evaluated", 7),
             (SUSPENDED, 5), (CANCELLED, 5))
INTERRUPTIBLE = ("proposed", "appraised", "approved", "financed", "under_implementation")


def plan_for(index: int, seed: int) -> tuple[str, str]:
    """(target stage, stage it is interrupted at) of demo project ``index``: deterministic."""
    rng = random.Random(f"investments-seed-{seed}-{index}")
    target = rng.choices([s for s, _ in STAGE_MIX], [w for _, w in STAGE_MIX])[0]
    return target, rng.choice(INTERRUPTIBLE)


def seed_project_id(seed: int, index: int) -> str:
    return f"seed-{seed}-{index:06d}"


def build_projects(seed: int, total: int, start: int, count: int, *, now: datetime,
                   plans) -> list[tuple[int, dict, list]]:
    """``(index, project at its demo stage, facts in order)`` for demo projects
    ``start .. start+count-1`` of a seed of ``total``; ``plans(index)`` gives
    ``(target stage, stage it is interrupted at)``."""
    payloads = generate_projects(total, seed=seed)
    made = []
    for index in range(start, min(start + count, total)):
        project, facts = domain.register_project(payloads[index],
                                                 project_id=seed_project_id(seed, index),
                                                 now=now, by=SEED_ACTOR)
        target, interrupted_at = plans(index)
        if target != "proposed":
            project, more = advance(project, target, now=now, by=SEED_ACTOR,
                                    seed=seed * 1_000_003 + index, interrupted_at=interrupted_at)
            facts = facts + more
        made.append((index, project, facts))
    return made


def made_index(made, external_ref: str) -> int:
    return next(i for i, p, _ in made if p["external_ref"] == external_ref)


def load_batch(projects, carriers, request: dict, *, now: datetime,
               plans) -> dict:
    """Store one batch of demo projects and their events; what happened, and the indexes of the
    projects found registered already under their external_ref."""
    batch = load(SeedBatch, request, message="invalid seed batch")
    seed, total, start, count = batch["seed"], batch["total"], batch["start"], batch["count"]
    made = build_projects(seed, total, start, count, now=now, plans=plans)
    stored_ids = projects.ids_by_external_ref(p["external_ref"] for _, p, _ in made)
    # registered under another id (through commands, or by hand): not this bulk path's to write
    taken = {ref for ref, project_id in stored_ids.items()
             if project_id != seed_project_id(seed, made_index(made, ref))}
    fresh = [(i, p, f) for i, p, f in made if p["external_ref"] not in taken]
    facts = [fact for _, _, project_facts in fresh for fact in project_facts]
    batch_key = hashlib.sha256(",".join(p["id"] for _, p, _ in fresh).encode()).hexdigest()[:24]
    published = 0
    for part, first in enumerate(range(0, len(facts), EVENTS_PER_CARRIER)):
        some = facts[first:first + EVENTS_PER_CARRIER]
        try:
            carriers.save_new({"batch_id": f"projects:{batch_key}:{part}", "kind": "projects"},
                              some)
            published += len(some)
        except DuplicateKey:
            pass  # loaded before: these events went out then
    stored, existing = projects.insert_missing([p for _, p, _ in fresh])
    return {"stored": stored, "existing": existing, "events": published,
            "registered_before": sorted(i for i, p, _ in made if p["external_ref"] in taken)}
