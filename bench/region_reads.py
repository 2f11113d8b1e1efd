"""One region at national size, read through the gateway: its scorecard, its projects summary,
its region + stage first page and the national roll-up, p50 over ``--calls`` calls each.

    python -m bench.region_reads [--projects 5000] [--calls 20]

Loads, into a platform of the bench's own, ``--projects`` projects of one region (KZ-75), made by
the demo seed's domain commands as bench.national makes them (its ``_made``), stored with
``insert_many`` in the investments store and in the hub's project read model (each project's last
snapshot, as its events would leave it). Nothing is published. Waits until investments has folded
the bulk-loaded projects into its stored region totals and first pages (their timer; the time is
logged), then prints one JSON line per route with its p50 and the load average while it was
measured, and the same two investments reads at the store: the stored form against the raw query
over the projects (what the reads cost before the stored totals and pages).
"""
import argparse
import json
import os
import statistics
import sys
import time

import requests

from bench.national import SEED, _insert, _made, log
from bench.platform import Platform

REGION = "KZ-75"


def load_region(client, prefix: str, n: int) -> dict:
    """``n`` projects of REGION; the stage the most of them are in (for the page)."""
    from services.common.events import build_event, register
    from services.gateway.hub.documents import project_document
    from services.gateway.hub.projections_repository import CODEC, PROJECTS, HubReadModels
    from services.investments.application.demo_data import generate_projects
    from services.investments.contract import EVENTS
    from services.investments.repository import ProjectRepository
    register(*EVENTS)
    db, hub_db = client[f"{prefix}_investments"], client[f"{prefix}_gateway"]
    ProjectRepository.ensure_indexes(db)
    HubReadModels.ensure_indexes(hub_db)
    repo = ProjectRepository(db)
    payloads = generate_projects(n * 20, seed=SEED)  # round-robin: every 20th is REGION's
    indices = [i for i, p in enumerate(payloads) if p["region_code"] == REGION][:n]
    stored, hub, stages = [], [], {}
    for index in indices:
        [(_, project, facts)] = _made(payloads, index, 1)
        stored.append(repo.to_store(project))
        event_type, payload = facts[-1]
        wire = build_event(event_type, payload, region_code=REGION)
        doc = project_document(wire["payload"])
        version = doc.pop("version")
        hub.append({"_id": doc["project_id"], **CODEC.encode(doc), "version": version})
        stages[project["stage"]] = stages.get(project["stage"], 0) + 1
    _insert(repo.collection, stored)
    _insert(hub_db[PROJECTS], hub)
    return {"stage": max(stages, key=stages.get), "stages": stages}


def p50(session, url: str, calls: int) -> dict:
    first = session.get(url, timeout=120)  # warm (and, after a bulk load, the first computation)
    times, statuses = [], {}
    load_before = os.getloadavg()[0]
    for _ in range(calls):
        began = time.perf_counter()
        response = session.get(url, timeout=120)
        times.append((time.perf_counter() - began) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "first_ms": round(first.elapsed.total_seconds() * 1000, 1), "statuses": statuses,
            "load_avg": round((load_before + os.getloadavg()[0]) / 2, 2)}


def settle(client, prefix: str, timeout: float = 900) -> float:
    """Seconds until investments folded every project of REGION (no project marked)."""
    from services.investments.totals_repository import DIRTY
    projects = client[f"{prefix}_investments"]["projects"]
    began = time.perf_counter()
    while projects.count_documents({"region_code": REGION, DIRTY: True}) and \
            time.perf_counter() - began < timeout:
        time.sleep(2)
    return time.perf_counter() - began


def store_reads(client, prefix: str, stage: str, calls: int) -> dict:
    """p50 ms at the store: the stored first page and totals against the raw queries."""
    from services.investments import domain
    from services.investments.application.reads import ProjectReads, dump_project
    from services.investments.repository import SUMMARY_FIELDS, ProjectRepository
    repo = ProjectRepository(client[f"{prefix}_investments"])
    normalised = domain.normalise_query({"region_code": REGION, "stage": stage})
    spec = repo.find_spec(normalised)
    reads = {
        "page, stored": lambda: repo.stored_first_page(normalised, dump_project),
        "page, raw query": lambda: list(repo.collection.find(spec.filter).sort(spec.sort)
                                        .limit(spec.limit)),
        "summary, stored totals": lambda: ProjectReads(repo).region_summary(REGION),
        "summary, raw rows": lambda: list(repo.collection.find({"region_code": REGION},
                                                               SUMMARY_FIELDS)),
    }
    out = {}
    for name, read in reads.items():
        times = []
        for _ in range(calls):
            began = time.perf_counter()
            read()
            times.append((time.perf_counter() - began) * 1000)
        out[name] = round(statistics.median(times), 1)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.region_reads")
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args(argv)
    from services.common.mongo import get_client
    with Platform("regionreads") as platform:
        began = time.perf_counter()
        loaded = load_region(get_client(), platform.prefix, args.projects)
        log(f"loaded {args.projects:,} projects of {REGION} in {time.perf_counter() - began:.0f}s;"
            f" stages {loaded['stages']}")
        log(f"investments folded them in {settle(get_client(), platform.prefix):.0f}s")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {platform.token('admin')}"
        routes = {
            "one region's scorecard": f"/api/v1/hub/scorecards/{REGION}",
            "region summary": f"/api/v1/regions/{REGION}/projects/summary",
            "region + stage page": f"/api/v1/projects?region_code={REGION}"
                                   f"&stage={loaded['stage']}",
            "national roll-up": "/api/v1/hub/scorecards",
        }
        for name, route in routes.items():
            measured = p50(session, platform.base_url + route, args.calls)
            print(json.dumps({"read": name, "route": route, **measured}), flush=True)
        print(json.dumps({"at the store, p50 ms": store_reads(
            get_client(), platform.prefix, loaded["stage"], max(3, args.calls // 4))}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
