"""The national bulk load stores its projects already folded, with each region's totals and each
(region, stage) first page: that state answers the region summary and the first pages exactly as
(a) the same projects loaded marked and folded by the real fold until clean, and (b) the projects
added up and sorted directly. One region has more projects in a stage than a page stores."""
from datetime import datetime, timedelta, timezone

import pytest

from bench import national
from services.common.mongo import get_client
from services.investments import domain
from services.investments.application.demo_data import advance, generate_projects
from services.investments.application.reads import ProjectReads, dump_project, money_strings
from services.investments.application.seeding import plan_for
from services.investments.domain import STAGES
from services.investments.repository import ProjectRepository
from services.investments.stage_pages import PAGE_ROWS
from services.investments.totals_repository import DIRTY, folded_project

pytestmark = pytest.mark.integration

NOW = datetime(2026, 2, 1, 6, 0, tzinfo=timezone.utc)
CROWDED, OTHERS = "KZ-39", ("KZ-71", "KZ-75")
CROWDED_PROPOSED = PAGE_ROWS + 40  # registered only: more in one stage than a stored page holds


def _projects() -> list[dict]:
    """300 projects in 3 regions: the crowded region's first ones all proposed, the rest moved
    on through the domain commands as the demo seed moves them."""
    payloads = generate_projects(300, seed=23)
    made = []
    for index, payload in enumerate(payloads):
        region = CROWDED if index < CROWDED_PROPOSED + 20 else OTHERS[index % 2]
        now = NOW + timedelta(seconds=index // 3)  # some share a creation time: ranked by id
        project, _ = domain.register_project({**payload, "region_code": region,
                                              "agglomeration": None},
                                             project_id=f"bulk-{index:04d}", now=now, by="test")
        if index >= CROWDED_PROPOSED:
            target, interrupted_at = plan_for(index, 23)
            if target != "proposed":
                project, _ = advance(project, target, now=now, by="test", seed=index,
                                     interrupted_at=interrupted_at)
        made.append(project)
    return made


@pytest.fixture
def repos(db_prefix):
    client = get_client()
    dbs = [client[f"{db_prefix}_investments_{kind}"] for kind in ("bulk", "folded")]
    for db in dbs:
        ProjectRepository.ensure_indexes(db)
    yield [ProjectRepository(db) for db in dbs]
    for db in dbs:
        client.drop_database(db.name)


def _fold_until_clean(repo) -> None:
    """The service's fold timer (fold, then rebuild the short pages) until none is marked."""
    pages = repo.stage_pages(dump_project)
    totals = repo.region_totals(pages)
    for _ in range(5):
        for region in (CROWDED, *OTHERS):
            totals.fold(region)
            pages.rebuild_short(region, STAGES)
        if repo.collection.count_documents({DIRTY: True}) == 0:
            break
    assert repo.collection.count_documents({DIRTY: True}) == 0


def _load_bulk(repo, projects) -> None:
    """What bench.national does: stored forms already folded, then the totals and pages; the
    platform's fold timer runs meanwhile (here once, halfway) and stores what it saw so far."""
    stored = [folded_project(repo.to_store(p)) for p in projects]
    repo.collection.insert_many(stored[:150])
    _fold_until_clean(repo)
    repo.collection.insert_many(stored[150:])
    state = national.FoldedState()
    for start in range(0, len(stored), 70):  # in chunks, as the workers hand them over
        chunk = stored[start:start + 70]
        state.add(chunk, national._newest_rows(national._detached(ProjectRepository), chunk))
    state.store(repo.db)


def _load_and_fold(repo, projects) -> None:
    """The projects stored marked, then folded by the service's fold until none is marked."""
    repo.collection.insert_many([repo.to_store(p) for p in projects])
    _fold_until_clean(repo)


def _from_projects(repo, region: str, stage: str, size: int) -> dict:
    page = repo.query(domain.normalise_query({"region_code": region, "stage": stage,
                                              "page_size": size}))
    return {"items": [dump_project(p) for p in page["items"]], "next_cursor": page["next_cursor"]}


def test_bulk_folded_state_answers_as_the_fold_and_the_projects(repos):
    bulk, folded = repos
    projects = _projects()
    _load_bulk(bulk, projects)
    _load_and_fold(folded, projects)
    assert bulk.collection.count_documents({DIRTY: True}) == 0
    assert bulk.collection.count_documents({}) == 300

    stages_seen = set()
    for region in (CROWDED, *OTHERS):
        # the summary: stored totals (no marked project to correct by), same as both others
        assert bulk.region_totals().summary(region) is not None
        added_up = {"region_code": region,
                    **money_strings(domain.region_summary(bulk.summary_rows(region)))}
        assert ProjectReads(bulk).region_summary(region) == added_up
        assert ProjectReads(folded).region_summary(region) == added_up
        assert added_up["total"]["count"] == sum(p["region_code"] == region for p in projects)

        # the stored pages hold what the fold and its rebuild stored (the version aside)
        bulk_pages = bulk.stage_pages(dump_project).stored(region)
        folded_pages = folded.stage_pages(dump_project).stored(region)
        assert set(bulk_pages) == set(STAGES)
        assert {s: {**p, "version": 0} for s, p in bulk_pages.items()} == \
            {s: {**p, "version": 0} for s, p in folded_pages.items()}
        for stage in STAGES:
            in_stage = sum(p["region_code"] == region and p["stage"] == stage for p in projects)
            if in_stage:
                stages_seen.add(stage)
            assert bulk_pages[stage]["version"] == 1
            assert bulk_pages[stage]["complete"] == (in_stage <= PAGE_ROWS)
            assert len(bulk_pages[stage]["rows"]) == min(in_stage, PAGE_ROWS)
            for size in (1, 50):
                query = {"region_code": region, "stage": stage, "page_size": size}
                served = bulk.stored_first_page(domain.normalise_query(query), dump_project)
                assert served is not None, (region, stage, size)  # answered from the page
                direct = _from_projects(bulk, region, stage, size)
                assert served == direct, (region, stage, size)
                assert ProjectReads(folded).query(query) == direct, (region, stage, size)
    assert bulk.stage_pages(dump_project).stored(CROWDED)["proposed"]["complete"] is False
    assert len(stages_seen) >= 4  # the projects are spread over the stages, not all proposed
