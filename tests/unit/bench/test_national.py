"""The national load's builders, run in worker processes, make what the demo seed's bulk path
makes: the same stored projects (``application.seeding.build_projects``), hub read-model rows at
each project's last version, and the import's stored lines; batches come back in order."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import national, national_load
from services.gateway.hub.projections_repository import CODEC
from services.gateway.hub.region_totals import figures_from_buckets
from services.gateway.hub.scorecards import project_figures
from services.investments.application.seeding import build_projects, plan_for
from services.investments.domain.summary_totals import contribution
from services.investments.repository import ProjectRepository
from services.investments.totals_repository import DIRTY, FOLDED, FOLDED_VERSION, folded_project


def test_project_chunk_is_what_the_demo_seed_stores():
    stored, (hub, hub_buckets), first, rows = national._project_chunk(60, 20, 15)
    made = build_projects(national.SEED, 60, 20, 15, now=national.NOW,
                          plans=lambda index: plan_for(index, national.SEED))
    repo = national._detached(ProjectRepository)
    # stored already folded: no mark, the contribution recorded at the project's version
    assert stored == [folded_project(repo.to_store(project)) for _, project, _ in made]
    assert all(doc[DIRTY] is False and doc[FOLDED_VERSION] == doc["version"] for doc in stored)
    assert [doc[FOLDED] for doc in stored] == [contribution(repo.to_store(p)) for _, p, _ in made]
    # every project of the chunk has its row (fewer than PAGE_ROWS per region and stage here)
    assert sorted(r["id"] for group in rows.values() for r in group) == sorted(
        d["_id"] for d in stored)
    for (region, stage), group in rows.items():
        assert all(r["item"]["region_code"] == region and r["item"]["stage"] == stage
                   for r in group)
        assert [r["ms"] for r in group] == sorted((r["ms"] for r in group), reverse=True)
    assert first == made[0][1]
    assert [row["_id"] for row in hub] == [doc["_id"] for doc in stored]
    assert [row["version"] for row in hub] == [project["version"] for _, project, _ in made]
    assert {row["stage"] for row in hub} == {project["stage"] for _, project, _ in made}
    # the rows as the hub's event path leaves them, the region each was in listed
    assert all(row["regions_ever"] == [row["region_code"]] for row in hub)
    # the hub's region totals of the chunk: each region's rows summed as the hub reads them
    assert sorted(hub_buckets) == sorted({row["region_code"] for row in hub})
    for code, buckets in hub_buckets.items():
        region_rows = [CODEC.decode(row) for row in hub if row["region_code"] == code]
        assert figures_from_buckets(buckets) == project_figures(region_rows)
        assert sum(b["count"] for b in buckets) == len(region_rows)


def test_revenue_chunk_is_the_import_stored_form():
    from bench.bench_budgets_import import row
    from services.budgets.domain.lines import validate_revenue_line
    from services.budgets.repository.lines import stored_line
    docs = national._revenue_chunk(100, 130)
    assert docs == [stored_line(validate_revenue_line(row(i)), source="csv", batch_id="national",
                                now=national.NOW) for i in range(100, 130)]
    assert len({doc["_id"] for doc in docs}) == 30


def test_batches_come_back_in_order_with_bounded_lookahead():
    submitted, running = [], []

    def job(i):
        running.append(i)
        return i * 10

    with ThreadPoolExecutor(2) as pool:
        class Counting:
            def submit(self, fn, *args):
                submitted.append(args[0])
                return pool.submit(fn, *args)

        results = []
        for value in national_load.in_order(Counting(), job, [(i,) for i in range(7)], ahead=2):
            # when a batch is handed over, at most ``ahead`` later ones were started
            assert len(submitted) <= len(results) + 1 + 2
            results.append(value)
    assert results == [i * 10 for i in range(7)]


class Collection:
    """Records the batches given to ``insert_many``; fails on a document marked ``bad``."""

    def __init__(self):
        self.batches = []

    def insert_many(self, docs, ordered):
        assert ordered is False
        if any(doc.get("bad") for doc in docs):
            raise ValueError("refused batch")
        self.batches.append(list(docs))


def test_inserter_stores_every_document_once_in_batches():
    collection = Collection()
    docs = [{"_id": i} for i in range(1, 1_101)]
    with national_load.Inserter(threads=3, batch=250) as inserter:
        inserter.submit(collection, docs)
    assert sorted(d["_id"] for batch in collection.batches for d in batch) == list(range(1, 1_101))
    assert sorted(len(batch) for batch in collection.batches) == [100, 250, 250, 250, 250]


def test_inserter_raises_a_failed_batch():
    inserter = national_load.Inserter(threads=2, batch=10)
    inserter.submit(Collection(), [{"_id": i, "bad": i == 15} for i in range(30)])
    with pytest.raises(ValueError, match="refused batch"):
        inserter.drain()
    inserter.pool.shutdown()
