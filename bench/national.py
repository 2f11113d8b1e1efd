"""A country's worth of data, loaded in bulk, and the national-size measures of `make bench`.

    python -m bench.national [--scale 1.0] [--samples 30] [--no-store-table]

Loads, into a platform of the bench's own, at scale 1.0: 100,000 projects (made by the domain
commands, as the demo seed makes them: ``application.seeding.build_projects``), 1,000,000 revenue lines
(``bench_budgets_import.row`` in the import's stored form), 50,000 civil servants and 5,000
rotations (the personnel domain seed, ``generate_seed``), with ``insert_many`` through each
repository's stored form, the indexes made after the data and the store settled
(bench.national_load). The hub's project read model gets each project's last snapshot as its
events would leave it. Nothing is published: this is data at rest for the read measures.

The projects are stored already folded, as a bulk loader of any store would: each without the
``totals_dirty`` mark and with the contribution its region's totals include (``totals_repository
.folded_project``), then each region's totals and each (region, stage) first page as the
investments fold would store them (``totals_document``, ``stage_pages.page_document``). Stored
marked instead, the first fold would record 100,000 projects one update each, and every region
summary and first page would meanwhile read all the region's marked projects.

Measured, each at the store (the service's read path against raw pymongo) and through the gateway
(wrk, one connection, against the same raw pymongo read as baseline): project by id, region +
stage page, region summary, one region's scorecard, the national roll-up, one civil servant by id.
Goals: by id <= 5 ms p50 at the store; a list page and a scorecard <= 100 ms p50 through the
gateway. Last, the README's store table (by id, region + stage page, count, range) with and without
the GIN twins of deploy/local/store_guard.sql.
"""
import argparse
import math
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

from pymongo import UpdateOne

from bench import load
from bench.national_load import Inserter, Timings, in_order, index_after, log, settle
from bench.platform import Platform
from bench.report import Result, table

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
SEED = 2025
WORKERS = 2  # processes building documents while this one stores them
PROJECT_CHUNK = 2_000
REVENUE_CHUNK = 10_000


def _insert(collection, docs):
    """``docs`` stored in batches on the inserting threads (bench.region_reads uses it too)."""
    with Inserter() as inserter:
        inserter.submit(collection, docs)


def _detached(repository_class):
    """A repository used only for its stored form (``to_store``): no database behind it."""
    return repository_class.__new__(repository_class)


_PAYLOADS: dict = {}


def _project_chunk(n: int, start: int, count: int) -> tuple[list, list, dict, dict]:
    """In a worker process: projects ``start .. start+count-1`` made by the domain commands, as
    the store (already folded) and the hub's read model hold them, the first one as a sample, and
    the newest rows of each (region, stage) of the chunk for the stored first pages."""
    from services.common.events import build_event, register
    from services.gateway.hub.projections_repository import CODEC, HubReadModels
    from services.gateway.hub.region_totals import buckets_from_rows
    from services.investments.application.demo_data import generate_projects
    from services.investments.contract import EVENTS
    from services.investments.repository import ProjectRepository
    from services.investments.totals_repository import folded_project
    register(*EVENTS)  # build_event checks the payloads against them
    if n not in _PAYLOADS:  # generated once per worker (it is the demo seed's generator)
        _PAYLOADS.clear()
        _PAYLOADS[n] = generate_projects(n, seed=SEED)
    repo = _detached(ProjectRepository)
    made = _made(_PAYLOADS[n], start, count)
    stored, hub, hub_by_region = [], [], {}
    for _, project, facts in made:
        stored.append(folded_project(repo.to_store(project)))
        event_type, payload = facts[-1]
        wire = build_event(event_type, payload, region_code=payload.get("region_code"))
        row = HubReadModels.bulk_row(wire["payload"])  # as the hub's event path stores it
        hub.append(row)
        hub_by_region.setdefault(row["region_code"], []).append(CODEC.decode(row))
    # the hub's region totals of the chunk, as its recomputation reads the rows
    hub_buckets = {code: buckets_from_rows(rows) for code, rows in hub_by_region.items()}
    return stored, (hub, hub_buckets), made[0][1], _newest_rows(repo, stored)


def _newest_rows(repo, stored: list[dict]) -> dict:
    """``{(region, stage): rows}``: the rows (``stage_pages.ranked_row``) of the chunk's
    ``PAGE_ROWS + 1`` newest projects of each region and stage; only those are put in their API
    form (the others cannot be on a first page)."""
    from services.investments.application.reads import dump_project
    from services.investments.stage_pages import newest, ranked_row
    groups: dict = {}
    for doc in stored:
        groups.setdefault((doc["region_code"], doc["stage"]), []).append(doc)
    rows = {}
    for key, docs in groups.items():
        by_id = {d["_id"]: d for d in docs}
        first = newest([ranked_row(d, None) for d in docs])
        rows[key] = [ranked_row(by_id[r["id"]], dump_project(repo.from_store(by_id[r["id"]])))
                     for r in first]
    return rows


class FoldedState:
    """What a fold of the loaded projects would store: each region's totals and each (region,
    stage) first page, kept while the batches go by and stored once they are all in."""

    def __init__(self):
        self.totals: dict = {}
        self.rows: dict = {}

    def add(self, stored: list[dict], newest_rows: dict) -> None:
        from services.investments.domain import summary_totals
        from services.investments.stage_pages import newest
        from services.investments.totals_repository import FOLDED
        for doc in stored:
            summary_totals.add(self.totals.setdefault(doc["region_code"],
                                                      summary_totals.empty_totals()), doc[FOLDED])
        for key, rows in newest_rows.items():
            self.rows[key] = newest(self.rows.get(key, []) + rows)

    def store(self, db) -> tuple[int, int]:
        """Every region's totals and every (region, stage) page, as the investments fold and
        its rebuild of short pages leave them (a region without projects: empty and complete);
        how many of each. Each replaces what is there: the platform's fold timer runs during the
        load and stores totals and pages of the projects it saw so far (none of them marked)."""
        from services.common.guarded import guard
        from services.common.regions import REGIONS
        from services.investments.domain import STAGES, summary_totals
        from services.investments.stage_pages import PAGES_COLLECTION, page_document
        from services.investments.totals_repository import TOTALS_COLLECTION, totals_document
        regions = sorted(REGIONS)
        totals = [totals_document(r, self.totals.get(r) or summary_totals.empty_totals())
                  for r in regions]
        pages = [page_document(r, s, self.rows.get((r, s), [])) for r in regions for s in STAGES]
        db = guard(db)  # the store refuses an update that does not carry the revision
        for name, docs in ((TOTALS_COLLECTION, totals), (PAGES_COLLECTION, pages)):
            db[name].bulk_write([UpdateOne({"_id": d["_id"]},
                                           {"$set": {k: v for k, v in d.items() if k != "_id"}},
                                           upsert=True) for d in docs], ordered=False)
        return len(totals), len(pages)


def _stored(batches, timings: Timings):
    """The worker's results, the time spent waiting for them counted as ``waiting for built``."""
    batches = iter(batches)
    while True:
        began = time.perf_counter()
        batch = next(batches, None)
        timings.add("waiting for built documents", began)
        if batch is None:
            return
        yield batch


def load_projects(client, prefix: str, n: int, pool, timings: Timings) -> list[dict]:
    """The projects are made in the worker processes (the domain commands) while the inserting
    threads store the batches they finished; then the indexes of both collections."""
    from services.gateway.hub.projections_repository import CODEC, PROJECTS, HubReadModels
    from services.gateway.hub.region_totals import merge_buckets
    from services.gateway.hub.region_totals_repository import RegionTotals
    from services.investments.repository import ProjectRepository
    db, hub_db = client[f"{prefix}_investments"], client[f"{prefix}_gateway"]
    sample, done, folded, hub_totals = [], 0, FoldedState(), {}
    began = time.perf_counter()
    jobs = [(n, start, min(PROJECT_CHUNK, n - start)) for start in range(0, n, PROJECT_CHUNK)]
    with Inserter() as inserter:
        for stored, (hub, hub_buckets), first, rows in _stored(
                in_order(pool, _project_chunk, jobs, ahead=WORKERS), timings):
            inserter.submit(db[ProjectRepository.collection_name], stored)
            inserter.submit(hub_db[PROJECTS], hub)
            folded.add(stored, rows)
            for code, buckets in hub_buckets.items():
                hub_totals[code] = merge_buckets(hub_totals.get(code, ()), buckets)
            sample.append(first)
            done += len(stored)
            if done % 10_000 < PROJECT_CHUNK:
                log(f"  projects {done:,}/{n:,} ({time.perf_counter() - began:.0f}s)")
    step = time.perf_counter()
    regions, pages = folded.store(db)
    # the hub's region totals as its timer would compute them from these rows (it may have
    # computed some from the rows stored so far: these replace them)
    hub_regions = RegionTotals(hub_db, CODEC.decode).store_loaded(hub_totals)
    timings.add("folded totals and pages", step)
    log(f"  stored folded: {regions} region totals, {pages} first pages, "
        f"{hub_regions} hub region totals")
    index_after(timings, (ProjectRepository.ensure_indexes, db),
                (HubReadModels.ensure_indexes, hub_db))
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


def _revenue_chunk(start: int, end: int) -> list[dict]:
    """In a worker process: lines ``start .. end-1`` in the import's stored form."""
    from bench.bench_budgets_import import row
    from services.budgets.domain.lines import validate_revenue_line
    from services.budgets.repository.lines import stored_line
    return [stored_line(validate_revenue_line(row(i)), source="csv", batch_id="national", now=NOW)
            for i in range(start, end)]


def load_revenue(client, prefix: str, n: int, pool, timings: Timings) -> None:
    from services.budgets.repository.lines import RevenueLineRepository
    db = client[f"{prefix}_budgets"]
    began, done = time.perf_counter(), 0
    jobs = [(start, min(start + REVENUE_CHUNK, n)) for start in range(0, n, REVENUE_CHUNK)]
    with Inserter() as inserter:
        for docs in _stored(in_order(pool, _revenue_chunk, jobs, ahead=WORKERS), timings):
            inserter.submit(db[RevenueLineRepository.collection_name], docs)
            done += len(docs)
            if done % 50_000 < REVENUE_CHUNK:
                log(f"  revenue lines {done:,}/{n:,} ({time.perf_counter() - began:.0f}s)")
    index_after(timings, (RevenueLineRepository.ensure_indexes, db))


def personnel_data(servants: int, rotations: int):
    """In a process of its own, beside the other loads (about a minute at full size): the
    personnel domain seed with its staffing table scaled for ``servants``."""
    from services.personnel.application import demo_data as personnel_seed
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
    return {kind: getattr(data, kind)
            for kind in ("organisations", "positions", "servants", "rotations")}


def store_personnel(client, prefix: str, data: dict, timings: Timings) -> None:
    from services.personnel import repository as r
    db = client[f"{prefix}_personnel"]
    kinds = (("organisations", r.OrganisationRepository), ("positions", r.PositionRepository),
             ("servants", r.ServantRepository), ("rotations", r.RotationRepository))
    began = time.perf_counter()
    with Inserter() as inserter:
        for kind, cls in kinds:
            repo = cls(db)
            inserter.submit(repo.collection, [repo.to_store({**d, "version": d.get("version", 1)})
                                              for d in data[kind]])
            log(f"  {kind}: {len(data[kind]):,}")
    timings.add("storing", began)
    index_after(timings, *((cls.ensure_indexes, db) for _, cls in kinds))


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
    # FerretDB reads every project for the range (~1.5 ms a document here): one unwarmed sample
    # of it, a few of the count, so the table fits beside the load (it once ran past 20 minutes)
    counts = {"count one region": max(3, samples // 5), "range filter ($gt), ids": 1}
    with_gin = {name: _p50_ms(fn, counts.get(name, samples), warm=name not in counts)
                for name, fn in queries.items()}
    table_name = collection_table(db, "projects")
    schema = table_name.split(".")[0].strip('"')
    twins = psql(f"SELECT indexname FROM pg_indexes WHERE schemaname = '{schema}' "
                 f"AND indexname LIKE 'gin\\_%'").split()
    for twin in twins:
        psql(f'DROP INDEX "{schema}"."{twin}"')
    without = {name: _p50_ms(fn, counts.get(name, max(5, samples // 3)), warm=name not in counts)
               for name, fn in queries.items()}
    results = []
    for name in queries:
        results.append(Result(f"store table: {name} p50, with GIN twins", with_gin[name], "ms",
                              baseline=without[name]))
        log(f"  {name}: {with_gin[name]:.1f} ms with GIN twins, {without[name]:.1f} ms without "
            f"({len(twins)} twins dropped; {counts.get(name, samples)} samples)")
    return results


def _p50_ms(fn, samples: int, warm: bool = True) -> float:
    if warm:
        fn()
    times = []
    for _ in range(samples):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def by_id_at_the_store(repository, project_ids: list, rounds: int) -> dict:
    """Project by id at the store over several projects: the service's read (``get``: the same
    ``find_one`` and the decoding) against raw pymongo, interleaved in pairs on the same project
    (each order half the time), so that load, vacuum or a timer of the platform weigh on both
    alike; beside them the decoding alone and the stored size. p50s in ms, sizes in bytes."""
    import bson

    from services.investments.repository import NO_OUTBOX
    raw, read, decode, sizes = [], [], [], []
    for round_no in range(rounds):
        for project_id in project_ids:
            pair = []
            for kind in (("raw", "read") if round_no % 2 == 0 else ("read", "raw")):
                began = time.perf_counter()
                if kind == "raw":
                    doc = repository.collection.find_one({"_id": project_id}, NO_OUTBOX)
                else:
                    repository.get(project_id)
                pair.append((kind, (time.perf_counter() - began) * 1000))
            for kind, ms in pair:
                (raw if kind == "raw" else read).append(ms)
            began = time.perf_counter()
            repository.from_store(doc)
            decode.append((time.perf_counter() - began) * 1000)
            sizes.append(len(bson.encode(doc)))
    return {"raw_p50_ms": statistics.median(raw), "read_p50_ms": statistics.median(read),
            "store_busy": _store_busy(),
            "read_p90_ms": sorted(read)[int(len(read) * 0.9)],
            "raw_p90_ms": sorted(raw)[int(len(raw) * 0.9)],
            "decode_p50_ms": statistics.median(decode), "samples": len(read),
            "projects": len(project_ids), "size_min": min(sizes), "size_max": max(sizes),
            "size_p50": statistics.median(sizes), "load_average": os.getloadavg()[0]}


def _store_busy() -> str:
    """What PostgreSQL's own workers do meanwhile (autovacuum after a bulk load), if reachable."""
    try:
        from tests.support.store import psql
        return psql("SELECT coalesce(string_agg(left(query, 60), ' | '), 'nothing') FROM "
                    "pg_stat_activity WHERE backend_type = 'autovacuum worker'")
    except Exception as exc:  # noqa: BLE001 - a note beside the figures, never a failure
        return f"unknown ({exc.__class__.__name__})"


def measure(scale: float = 1.0, samples: int = 30, tables: bool = True,
            servants: int | None = None, rotations: int | None = None) -> list[Result]:
    from services.common.mongo import get_client
    from services.investments import domain
    from services.investments.application.reads import ProjectReads
    from services.investments.repository import NO_OUTBOX, SUMMARY_FIELDS, ProjectRepository
    from services.personnel.repository import ServantRepository
    n_projects, n_lines = int(100_000 * scale), int(1_000_000 * scale)
    n_servants = servants if servants is not None else int(50_000 * scale)
    n_rotations = rotations if rotations is not None else int(5_000 * scale)
    results = []
    with Platform("national") as platform, ProcessPoolExecutor(WORKERS) as pool, \
            ProcessPoolExecutor(1) as side:
        client = get_client()
        load_average = os.getloadavg()[0]
        began = time.perf_counter()
        staff = side.submit(personnel_data, n_servants, n_rotations)  # runs beside the loads
        kinds = {kind: Timings() for kind in ("projects", "revenue_lines", "personnel")}
        sample = load_projects(client, platform.prefix, n_projects, pool, kinds["projects"])
        parts = {"projects": time.perf_counter() - began}
        load_revenue(client, platform.prefix, n_lines, pool, kinds["revenue_lines"])
        parts["revenue_lines"] = time.perf_counter() - began - parts["projects"]
        data = staff.result()
        generated = time.perf_counter() - began
        store_personnel(client, platform.prefix, data, kinds["personnel"])
        parts["personnel_stored_after_generation"] = time.perf_counter() - began - generated
        parts["personnel_ready_from_start"] = time.perf_counter() - began
        settled = Timings()
        log("  " + settle(client, platform.prefix, settled))
        parts["store_settled"] = settled.seconds.get("settle", 0.0)
        loaded = time.perf_counter() - began
        log(f"  loaded in {loaded:.0f}s: " + ", ".join(f"{k} {v:.0f}s" for k, v in parts.items()))
        for kind, timings in kinds.items():
            log(f"    {kind}: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.seconds.items()))
        results.append(Result(f"national data load ({n_projects:,} projects, {n_lines:,} lines, "
                              f"{n_servants:,} servants, {len(data['rotations']):,} rotations)",
                              loaded, "s", max_value=480.0 if scale >= 1 else None,
                              figures={"projects": n_projects, "revenue_lines": n_lines,
                                       "servants": len(data["servants"]),
                                       "positions": len(data["positions"]),
                                       "rotations": len(data["rotations"]),
                                       "load_average_at_start": load_average,
                                       "load_average_at_end": os.getloadavg()[0],
                                       "seconds": {k: round(v, 1) for k, v in parts.items()},
                                       "parts": {kind: {k: round(v, 1)
                                                        for k, v in timings.seconds.items()}
                                                 for kind, timings in kinds.items()}}))
        for name, seconds in parts.items():
            results.append(Result(f"national data load: {name.replace('_', ' ')}", seconds, "s"))
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
        # the page and the summary as the service reads them: the stored first pages and
        # totals, corrected by the projects written since (none after the folded load)
        reads = ProjectReads(investments)
        repository = {
            "project by id": lambda: investments.get(project["id"]),
            "region + stage page": lambda: reads.query({"region_code": region, "stage": stage}),
            "region summary": lambda: reads.region_summary(region),
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
        # reads of whole regions or the whole country take seconds here: three samples of them
        heavy = {"region summary": 3, "national roll-up": 3}
        for name, raw_read in raw.items():
            raw_ms = _p50_ms(raw_read, min(samples, heavy.get(name, samples)),
                             warm=name not in heavy)
            if name == "project by id":  # many samples, interleaved, over many projects
                by_id = by_id_at_the_store(investments, [p["id"] for p in sample],
                                           rounds=max(4, samples))
                log(f"  project by id at the store: {by_id}")
                raw_ms = by_id["raw_p50_ms"]
                results.append(Result(f"national, at the store: {name} p50",
                                      by_id["read_p50_ms"], "ms", baseline=raw_ms,
                                      max_value=5.0, figures=by_id))
            elif name in repository:
                store_ms = _p50_ms(repository[name], min(samples, heavy.get(name, samples)),
                                   warm=name not in heavy)
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
        # again once the other reads are done: a by-id figure that differs from the first one
        # was made by what ran meanwhile (the store after the load), not by the read itself
        again = by_id_at_the_store(investments, [p["id"] for p in sample], rounds=max(4, samples))
        log(f"  project by id at the store, after the other reads: {again}")
        results.append(Result("national, at the store: project by id p50, after the other reads",
                              again["read_p50_ms"], "ms", baseline=again["raw_p50_ms"],
                              max_value=5.0, figures=again))
        if tables:  # last: it drops the GIN twins of the bench's projects table
            results.extend(store_query_table(client, platform.prefix, project, samples))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--no-store-table", action="store_true",
                        help="leave out the README's store table (with and without GIN twins)")
    parser.add_argument("--servants", type=int, default=None,
                        help="civil servants to load (default 50,000 x scale)")
    parser.add_argument("--rotations", type=int, default=None,
                        help="rotations to load (default 5,000 x scale): the personnel demo "
                             "generator matches each rotation against the whole staff")
    args = parser.parse_args(argv)
    results = measure(args.scale, args.samples, not args.no_store_table, args.servants,
                      args.rotations)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
