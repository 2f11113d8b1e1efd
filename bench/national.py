"""A country's worth of data, loaded in bulk, and the national-size measures of `make bench`.

    python -m bench.national [--scale 1.0] [--samples 30] [--no-store-table]

Loads, into a platform of the bench's own, at scale 1.0: 100,000 projects (made by the domain
commands, as the demo seed makes them: ``application.seeding.build_projects``), 1,000,000 revenue lines
(``bench_budgets_import.row`` in the import's stored form), 50,000 civil servants and 5,000
rotations (the personnel domain seed, ``generate_seed``), with ``insert_many`` through each
repository's stored form. The hub's project read model gets each project's last snapshot as its
events would leave it. Nothing is published: this is data at rest for the read measures.

Measured, each at the store (the repository path against raw pymongo) and through the gateway
(wrk, one connection, against the same raw pymongo read as baseline): project by id, region +
stage page, region summary, one region's scorecard, the national roll-up, one civil servant by id.
Goals: by id <= 5 ms p50 at the store; a list page and a scorecard <= 100 ms p50 through the
gateway. Last, the README's store table (by id, region + stage page, count, range) with and without
the GIN twins of deploy/local/store_guard.sql.
"""
import argparse
import math
import statistics
import sys
import time
from datetime import datetime, timezone

from bench import load
from bench.platform import Platform
from bench.report import Result, table

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
BATCH = 1000
SEED = 2025


def log(message):
    print(message, file=sys.stderr, flush=True)


def _insert(collection, docs):
    for i in range(0, len(docs), BATCH):
        collection.insert_many(docs[i:i + BATCH], ordered=False)


def load_projects(client, prefix: str, n: int) -> list[dict]:
    from services.common.events import register
    from services.investments.contract import EVENTS
    register(*EVENTS)  # build_event checks the payloads against them
    from services.common.events import build_event
    from services.gateway.hub.documents import project_document
    from services.gateway.hub.projections_repository import CODEC, PROJECTS, HubReadModels
    from services.investments.application.demo_data import generate_projects
    from services.investments.repository import ProjectRepository
    db, hub_db = client[f"{prefix}_investments"], client[f"{prefix}_gateway"]
    ProjectRepository.ensure_indexes(db)
    HubReadModels.ensure_indexes(hub_db)
    repo = ProjectRepository(db)
    sample = []
    began = time.perf_counter()
    # application.seeding.build_projects generates all n payloads on every call (it serves one RPC batch
    # of the demo seed): here they are generated once and each batch goes through the same
    # domain commands (_made)
    payloads = generate_projects(n, seed=SEED)
    for start in range(0, n, 10_000):
        made = _made(payloads, start, 10_000)
        stored, hub = [], []
        for _, project, facts in made:
            stored.append(repo.to_store(project))
            event_type, payload = facts[-1]
            wire = build_event(event_type, payload, region_code=payload.get("region_code"))
            doc = project_document(wire["payload"])
            version = doc.pop("version")
            hub.append({"_id": doc["project_id"], **CODEC.encode(doc), "version": version})
        _insert(repo.collection, stored)
        _insert(hub_db[PROJECTS], hub)
        sample.append(made[0][1])
        log(f"  projects {start + len(made):,}/{n:,} ({time.perf_counter() - began:.0f}s)")
    return sample


def _made(payloads: list[dict], start: int, count: int) -> list[tuple[int, dict, list]]:
    """What ``application.seeding.build_projects`` makes of projects ``start .. start+count-1``."""
    from services.investments import domain
    from services.investments.application.demo_data import advance
    from services.investments.application.seeding import SEED_ACTOR, plan_for, seed_project_id
    made = []
    for index in range(start, min(start + count, len(payloads))):
        project, facts = domain.register_project(payloads[index],
                                                 project_id=seed_project_id(SEED, index),
                                                 now=NOW, by=SEED_ACTOR)
        target, interrupted_at = plan_for(index, SEED)
        if target != "proposed":
            project, more = advance(project, target, now=NOW, by=SEED_ACTOR,
                                    seed=SEED * 1_000_003 + index, interrupted_at=interrupted_at)
            facts = facts + more
        made.append((index, project, facts))
    return made


def load_revenue(client, prefix: str, n: int) -> None:
    from bench.bench_budgets_import import row
    from services.budgets.domain.lines import validate_revenue_line
    from services.budgets.repository.lines import RevenueLineRepository, stored_line
    db = client[f"{prefix}_budgets"]
    RevenueLineRepository.ensure_indexes(db)
    began = time.perf_counter()
    for start in range(0, n, 50_000):
        docs = [stored_line(validate_revenue_line(row(i)), source="csv", batch_id="national",
                            now=NOW) for i in range(start, min(start + 50_000, n))]
        _insert(db[RevenueLineRepository.collection_name], docs)
        log(f"  revenue lines {start + len(docs):,}/{n:,} ({time.perf_counter() - began:.0f}s)")


def load_personnel(client, prefix: str, servants: int, rotations: int) -> list[str]:
    from services.personnel import repository as r
    from services.personnel.application import demo_data as personnel_seed
    db = client[f"{prefix}_personnel"]
    # The demo staffing table has ~3,080 posts (~2,500 filled): a country's 50,000 servants need
    # that many more posts per organisation, so the table is scaled for this load only.
    factor = max(1, math.ceil(servants / 2_400))
    staffing = personnel_seed.STAFFING
    personnel_seed.STAFFING = {kind: tuple((code, title, count * factor)
                                           for code, title, count in rows)
                               for kind, rows in staffing.items()}
    try:
        data = personnel_seed.generate_seed(seed=SEED, servants=servants, rotations=rotations,
                                            today=NOW.date())
    finally:
        personnel_seed.STAFFING = staffing
    for kind, cls in (("organisations", r.OrganisationRepository),
                      ("positions", r.PositionRepository), ("servants", r.ServantRepository),
                      ("rotations", r.RotationRepository)):
        cls.ensure_indexes(db)
        repo = cls(db)
        _insert(repo.collection, [repo.to_store({**d, "version": d.get("version", 1)})
                                  for d in getattr(data, kind)])
        log(f"  {kind}: {len(getattr(data, kind)):,}")
    return [s["servant_id"] for s in data.servants[:50]]


def store_query_table(client, prefix: str, sample: dict, samples: int) -> list[Result]:
    """The README's store table on the national projects: each query p50 at the store with the
    GIN twins of deploy/local/store_guard.sql, then again after dropping the twins of the bench's
    investments database (FerretDB's own B-tree indexes only: the PostgreSQL backend without the
    guard file). Only on FerretDB on PostgreSQL (STORE_POSTGRES_URI, `infra.sh env`)."""
    from services.investments.repository import NO_OUTBOX
    from tests.support.store import backend, collection_table, psql
    db = client[f"{prefix}_investments"]
    if backend(db) != "ferretdb-postgresql":
        log("  store table skipped: not FerretDB on a PostgreSQL this bench can reach")
        return []
    projects = db.projects
    region, stage = sample["region_code"], sample["stage"]
    queries = {
        "find by _id": lambda: projects.find_one({"_id": sample["id"]}, NO_OUTBOX),
        "region + stage, sorted, first 50": lambda: list(projects.find(
            {"region_code": region, "stage": stage}, NO_OUTBOX).sort("updated_at", -1).limit(50)),
        "count one region": lambda: projects.count_documents({"region_code": region}),
        "range filter ($gt), ids": lambda: list(projects.find(
            {"jobs_planned": {"$gt": 900}}, {"_id": 1})),
    }
    with_gin = {name: _p50_ms(fn, samples) for name, fn in queries.items()}
    table_name = collection_table(db, "projects")
    schema = table_name.split(".")[0].strip('"')
    twins = psql(f"SELECT indexname FROM pg_indexes WHERE schemaname = '{schema}' "
                 f"AND indexname LIKE 'gin\\_%'").split()
    for twin in twins:
        psql(f'DROP INDEX "{schema}"."{twin}"')
    without = {name: _p50_ms(fn, max(5, samples // 3)) for name, fn in queries.items()}
    results = []
    for name in queries:
        results.append(Result(f"store table: {name} p50, with GIN twins", with_gin[name], "ms",
                              baseline=without[name]))
        log(f"  {name}: {with_gin[name]:.1f} ms with GIN twins, {without[name]:.1f} ms without "
            f"({len(twins)} twins dropped)")
    return results


def _p50_ms(fn, samples: int) -> float:
    fn()  # warm
    times = []
    for _ in range(samples):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def measure(scale: float = 1.0, samples: int = 30, tables: bool = True) -> list[Result]:
    from services.common.mongo import get_client
    from services.investments import domain
    from services.investments.repository import NO_OUTBOX, SUMMARY_FIELDS, ProjectRepository
    from services.personnel.repository import ServantRepository
    n_projects, n_lines = int(100_000 * scale), int(1_000_000 * scale)
    n_servants, n_rotations = int(50_000 * scale), int(5_000 * scale)
    results = []
    with Platform("national") as platform:
        client = get_client()
        began = time.perf_counter()
        sample = load_projects(client, platform.prefix, n_projects)
        load_personnel(client, platform.prefix, n_servants, n_rotations)
        load_revenue(client, platform.prefix, n_lines)
        loaded = time.perf_counter() - began
        results.append(Result(f"national data load ({n_projects:,} projects, {n_lines:,} lines, "
                              f"{n_servants:,} servants, {n_rotations:,} rotations)", loaded, "s",
                              figures={"projects": n_projects, "revenue_lines": n_lines,
                                       "servants": n_servants, "rotations": n_rotations}))
        investments = ProjectRepository(client[f"{platform.prefix}_investments"])
        servants = ServantRepository(client[f"{platform.prefix}_personnel"])
        hub = client[f"{platform.prefix}_gateway"]["hub_projects"]
        project = sample[len(sample) // 2]
        region, stage = project["region_code"], project["stage"]
        servant_id = servants.collection.find_one({}, {"_id": 1})["_id"]
        query = domain.normalise_query({"region_code": region, "stage": stage})
        spec = investments.find_spec(query)

        raw = {
            "project by id": lambda: investments.collection.find_one({"_id": project["id"]},
                                                                     NO_OUTBOX),
            "region + stage page": lambda: list(investments.collection.find(
                spec.filter, NO_OUTBOX).sort(spec.sort).limit(spec.limit)),
            "region summary": lambda: list(investments.collection.find(
                {"region_code": region}, SUMMARY_FIELDS)),
            "one region's scorecard": lambda: list(hub.find({"region_code": region})),
            "national roll-up": lambda: list(hub.find({})),
            "civil servant by id": lambda: servants.collection.find_one({"_id": servant_id}),
        }
        repository = {
            "project by id": lambda: investments.get(project["id"]),
            "region + stage page": lambda: investments.query(query),
            "region summary": lambda: list(investments.summary_rows(region)),
            "civil servant by id": lambda: servants.find(servant_id),
        }
        routes = {
            "project by id": f"/api/v1/projects/{project['id']}",
            "region + stage page": f"/api/v1/projects?region_code={region}&stage={stage}",
            "region summary": f"/api/v1/regions/{region}/projects/summary",
            "one region's scorecard": f"/api/v1/hub/scorecards/{region}",
            "national roll-up": "/api/v1/hub/scorecards",
            "civil servant by id": f"/api/v1/personnel/civil-servants/{servant_id}",
        }
        goals = {"project by id": 100.0, "region + stage page": 100.0,
                 "one region's scorecard": 100.0}
        headers = {"Authorization": f"Bearer {platform.token('admin')}"}
        for name, raw_read in raw.items():
            raw_ms = _p50_ms(raw_read, samples)
            if name in repository:
                store_ms = _p50_ms(repository[name], samples)
                results.append(Result(f"national, at the store: {name} p50", store_ms, "ms",
                                      baseline=raw_ms,
                                      max_value=5.0 if name.endswith("by id") else None))
            seconds = max(3, min(15, int(raw_ms * samples / 1000) + 3))
            through = load.wrk(platform.base_url + routes[name], connections=1, seconds=seconds,
                               headers=headers)
            results.append(Result(f"national, through the gateway: {name} p50",
                                  through["p50_ms"] if through["non2xx"] == 0 else None, "ms",
                                  baseline=raw_ms, max_value=goals.get(name), figures=through))
            log(f"  {name}: raw {raw_ms:.1f} ms, gateway {through}")
        if tables:  # last: it drops the GIN twins of the bench's projects table
            results.extend(store_query_table(client, platform.prefix, project, samples))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--no-store-table", action="store_true",
                        help="leave out the README's store table (with and without GIN twins)")
    args = parser.parse_args(argv)
    results = measure(args.scale, args.samples, not args.no_store_table)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
