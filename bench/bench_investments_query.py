"""The project list query path against a raw pymongo baseline, measured in the same run.

    python -m bench.bench_investments_query [--projects 100000] [--repeat 9] [--page-size 50]

Setup: N valid projects made by the domain (``seed.generate_projects`` → ``register_project`` →
``seed.advance`` to a realistic stage mix), inserted in bulk through the repository's ``to_store``
into a database of its own (``bench_<id>_investments``), dropped afterwards.

Measured, per repetition and alternating the two sides so load drift hits both alike:
- service path: ``domain.normalise_query`` + ``ProjectRepository.query`` (filter building, keyset
  cursor, store round trip, decoding to domain documents) for region + stage, first page and a
  deep page (reached by following cursors);
- raw: ``collection.find`` with the very filter, sort and limit the repository sends
  (``ProjectRepository.find_spec``), documents left as BSON-decoded dicts.
For reference, the same deep page by skip/limit (offset paging) is timed too.
Prints median and p95 per operation and the ratio service/raw of the medians.
"""
import argparse
import json
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

from services.common.config import load_settings
from services.common.mongo import get_client
from services.investments import domain
from services.investments.application.demo_data import advance, generate_projects
from services.investments.application.seeding import plan_for
from services.investments.repository import NO_OUTBOX, ProjectRepository, make_cursor

SEED = 2025
INSERT_BATCH = 2000
NOW = datetime(2025, 11, 20, 6, 0, tzinfo=timezone.utc)


def build_documents(n: int, repo: ProjectRepository, log) -> tuple[list[dict], Counter]:
    """``n`` stored-form projects and the count of projects per (region, stage)."""
    payloads = generate_projects(n, seed=SEED)
    docs, combos = [], Counter()
    started = time.perf_counter()
    for i, payload in enumerate(payloads):
        # one project a minute back in time: distinct creation instants, the default sort key
        project, _ = domain.register_project(payload, project_id=f"bench-{i:07d}",
                                             now=NOW - timedelta(minutes=n - i), by="bench")
        target, interrupted_at = plan_for(i, SEED)
        if target != "proposed":
            project, _ = advance(project, target, now=NOW, by="bench", seed=i,
                                 interrupted_at=interrupted_at)
        combos[(project["region_code"], project["stage"])] += 1
        docs.append(repo.to_store(project))
        if (i + 1) % 20000 == 0:
            log(f"  built {i + 1}/{n} ({time.perf_counter() - started:.0f}s)")
    return docs, combos


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * share // 1))  # nearest rank
    return ordered[int(rank) - 1]


def run(args, log=print) -> dict:
    settings = load_settings()
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    client = get_client()
    db = client[f"{prefix}_investments"]
    log(f"store {settings.mongo_uri} database {db.name}; {args.projects} projects")
    try:
        ProjectRepository.ensure_indexes(db)
        repo = ProjectRepository(db)
        docs, combos = build_documents(args.projects, repo, log)
        started = time.perf_counter()
        for i in range(0, len(docs), INSERT_BATCH):
            repo.collection.insert_many(docs[i:i + INSERT_BATCH], ordered=False)
        log(f"  inserted in {time.perf_counter() - started:.1f}s")

        (region, stage), matching = combos.most_common(1)[0]
        query = {"region_code": region, "stage": stage, "page_size": args.page_size}
        pages = -(-matching // args.page_size)
        deep = max(0, min(args.deep_page, pages) - 1)  # zero-based page index
        # The cursor a client holds after following ``deep`` pages: the sort-key values of the
        # last row before the deep page, taken from the inserted documents (following the cursors
        # through the store would cost ``deep`` full queries of setup; the skip/limit check below
        # proves it is the same position).
        sort = repo.find_spec(domain.normalise_query(query)).sort
        cursor = None
        if deep:
            chosen = [d for d in docs if d["region_code"] == region and d["stage"] == stage]
            for field, direction in reversed(sort):
                chosen.sort(key=lambda d: d[field], reverse=direction < 0)
            cursor = make_cursor(sort, [chosen[deep * args.page_size - 1][f] for f, _ in sort])
        del docs
        log(f"query region_code={region} stage={stage}: {matching} projects, {pages} pages of "
            f"{args.page_size}; deep page = page {deep + 1}")

        def service(page_cursor):
            return lambda: repo.query(domain.normalise_query({**query, "cursor": page_cursor}))

        def raw(page_cursor):
            spec = repo.find_spec(domain.normalise_query({**query, "cursor": page_cursor}))
            return lambda: list(repo.collection.find(spec.filter, NO_OUTBOX).sort(spec.sort)
                                .limit(spec.limit))

        first_spec = repo.find_spec(domain.normalise_query(query))

        def raw_skip():
            return list(repo.collection.find(first_spec.filter, NO_OUTBOX).sort(first_spec.sort)
                        .skip(deep * args.page_size).limit(first_spec.limit))

        ops = {"first page": (service(None), raw(None)), "deep page": (service(cursor), raw(cursor))}
        # The two sides must answer the same rows, or the comparison means nothing (these calls
        # also warm both paths up).
        answers = {name: ([p["id"] for p in svc()["items"]], [d["_id"] for d in base()])
                   for name, (svc, base) in ops.items()}
        for name, (service_ids, raw_ids) in answers.items():
            assert service_ids == raw_ids[:args.page_size] and service_ids, name
        assert [d["_id"] for d in raw_skip()] == answers["deep page"][1]

        # What the service adds outside the store (query check, filter and cursor building,
        # decoding a page to domain documents), timed on its own: in-process, so exact.
        page_docs = ops["deep page"][1]()
        local_runs = 200
        started = time.perf_counter()
        for _ in range(local_runs):
            spec = repo.find_spec(domain.normalise_query({**query, "cursor": cursor}))
            [repo.from_store(d) for d in page_docs[:spec.page_size]]
        local_ms = (time.perf_counter() - started) * 1000 / local_runs

        samples = {f"{name} {side}": [] for name in ops for side in ("service", "raw")}
        samples["deep page raw skip/limit"] = []
        for round_no in range(args.warmup + args.repeat):
            round_ = {}
            for name, (svc, base) in ops.items():
                round_[f"{name} service"] = timed(svc)
                round_[f"{name} raw"] = timed(base)
            round_["deep page raw skip/limit"] = timed(raw_skip)
            if round_no >= args.warmup:
                for key, value in round_.items():
                    samples[key].append(value)
        report = {key: {"median": statistics.median(v), "p95": percentile(v, 0.95)}
                  for key, v in samples.items()}
        log(f"\n{'operation':34} {'median ms':>10} {'p95 ms':>10}")
        for key, value in report.items():
            log(f"{key:34} {value['median']:10.1f} {value['p95']:10.1f}")
        log("")
        for name in ops:
            ratio = report[f"{name} service"]["median"] / report[f"{name} raw"]["median"]
            report[f"{name} ratio"] = ratio
            log(f"{name}: service / raw = {ratio:.2f}x (medians)")
        skip_ratio = (report["deep page raw skip/limit"]["median"]
                      / report["deep page raw"]["median"])
        log(f"deep page: raw skip/limit / raw keyset = {skip_ratio:.2f}x (medians)")
        report["service work outside the store ms"] = local_ms
        log(f"service work outside the store per page (normalise, filter, cursor, decode "
            f"{args.page_size} documents): {local_ms:.2f} ms")
        return report
    finally:
        client.drop_database(db.name)
        log(f"dropped {db.name}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_investments_query")
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9, help="timed repetitions per operation")
    parser.add_argument("--warmup", type=int, default=0,
                        help="untimed rounds (the correctness check already runs each once)")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--deep-page", type=int, default=20,
                        help="which page counts as deep (capped at the last page)")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.projects < 1 or args.repeat < 1:
        parser.error("--projects and --repeat must be at least 1")
    report = run(args)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"projects": args.projects, **report}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
