"""The stored first page of a region + stage listing answers exactly what the projects answer
(same rows, same order, same next cursor) after every write, while folds run, after a fold that
dies between storing the pages and the totals, and when the stored rows run short."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from services.common.mongo import get_client
from services.investments import domain
from services.investments.application.demo_data import generate_projects
from services.investments.application.reads import ProjectReads, dump_project
from services.investments.domain import STAGES
from services.investments.repository import ProjectRepository
from services.investments.stage_pages import PAGE_ROWS, PAGES_COLLECTION
from services.investments.totals_repository import DIRTY, TOTALS_COLLECTION, RegionTotals
from tests.integration.investments.test_region_totals import REGION, _register, _write_something

pytestmark = pytest.mark.integration


@pytest.fixture
def repo(db_prefix):
    db = get_client()[f"{db_prefix}_investments_pages"]
    ProjectRepository.ensure_indexes(db)
    yield ProjectRepository(db)
    get_client().drop_database(db.name)


def _from_projects(repo, stage: str, size: int) -> dict:
    """The page as the projects collection answers it (the path without stored pages)."""
    page = repo.query(domain.normalise_query({"region_code": REGION, "stage": stage,
                                              "page_size": size}))
    return {"items": [dump_project(p) for p in page["items"]], "next_cursor": page["next_cursor"]}


def _stored(repo, stage: str, size: int) -> dict | None:
    return repo.stored_first_page(domain.normalise_query(
        {"region_code": REGION, "stage": stage, "page_size": size}), dump_project)


def _check(repo, sizes=(1, 3, 50), label="") -> int:
    """Every stage's stored page equals the projects' answer; how many were served stored."""
    served = 0
    for stage in ("proposed", "appraised", "approved"):
        for size in sizes:
            stored = _stored(repo, stage, size)
            if stored is not None:
                served += 1
                assert stored == _from_projects(repo, stage, size), (label, stage, size)
    return served


def _keeper(repo):
    pages = repo.stage_pages(dump_project)
    return repo.region_totals(pages), pages


def test_stored_pages_stay_exact_after_every_write_while_folds_run(repo):
    rng = random.Random(17)
    payloads = generate_projects(45, seed=8)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(15)]
    totals, pages = _keeper(repo)
    assert _stored(repo, "proposed", 3) is None  # no page stored yet: the projects answer
    totals.fold(REGION)
    assert pages.rebuild_short(REGION, STAGES) == len(STAGES)
    assert _check(repo, label="built") == 9
    for step in range(30):
        if step % 3 == 0:
            ids.append(_register(repo, payloads[len(ids)], len(ids))["id"])
        else:
            _write_something(repo, rng, rng.choice(ids))
        assert _check(repo, sizes=(2,), label=step) == 3  # the very next read, stored
        if rng.random() < 0.3:
            totals.fold(REGION, limit=rng.randrange(1, 5))
            pages.rebuild_short(REGION, STAGES)
            assert _check(repo, sizes=(2, 50), label=f"fold {step}") == 6
    while totals.fold(REGION):
        pass
    assert repo.collection.count_documents({"region_code": REGION, DIRTY: True}) == 0
    assert _check(repo, label="all folded") == 9
    # the service's read path serves the same answer
    query = {"region_code": REGION, "stage": "proposed", "page_size": 2}
    assert ProjectReads(repo).query(query) == _from_projects(repo, "proposed", 2)


def test_a_fold_dying_after_the_pages_or_after_the_totals_leaves_them_exact(repo, monkeypatch):
    rng = random.Random(5)
    payloads = generate_projects(12, seed=19)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(12)]
    totals, pages = _keeper(repo)
    totals.fold(REGION)
    pages.rebuild_short(REGION, STAGES)
    for project_id in ids[:5]:
        _write_something(repo, rng, project_id)
    # dies after storing the pages, before the totals
    with monkeypatch.context() as patch:
        def dead(*args, **kwargs):
            raise RuntimeError("process killed")
        patch.setattr(repo.db[TOTALS_COLLECTION].__class__, "update_one", dead)
        with pytest.raises(RuntimeError):
            totals.fold(REGION)
    assert _check(repo, label="died before the totals") == 9
    for project_id in ids[:3]:
        _write_something(repo, rng, project_id)
    # dies after storing the pages and the totals, before recording the batch
    calls = []

    def die_after_storing(self, batch):  # the previous batch, recorded by this process, is not
        calls.append(len(batch))
        raise RuntimeError("process killed")
    with monkeypatch.context() as patch:
        patch.setattr(RegionTotals, "record", die_after_storing)
        with pytest.raises(RuntimeError):
            totals.fold(REGION)
    assert len(calls) == 1
    assert _check(repo, label="died before recording") == 9
    for project_id in ids[3:6]:
        _write_something(repo, rng, project_id)
    assert _check(repo, label="written after") == 9
    while totals.fold(REGION):
        pass
    assert repo.collection.count_documents({"region_code": REGION, DIRTY: True}) == 0
    assert _check(repo, label="folded") == 9


def test_a_page_that_holds_part_of_a_stage_trusts_rows_down_to_its_last_only(repo):
    payloads = generate_projects(PAGE_ROWS + 8, seed=23)
    docs = []
    for i, payload in enumerate(payloads):
        project, _ = domain.register_project(
            {**payload, "region_code": REGION, "agglomeration": None},
            project_id=f"big-{i:04d}", now=domain_now(i), by="test")
        docs.append(repo.to_store(project))
    repo.collection.insert_many(docs)  # as the bulk loads store them
    totals, pages = _keeper(repo)
    pages.rebuild_short(REGION, STAGES)
    stored = repo.db[PAGES_COLLECTION].find_one({"_id": f"{REGION}|proposed"})
    assert stored["complete"] is False
    assert _check(repo, sizes=(1, 50), label="partial") == 6  # the empty stages: complete
    # the newest projects leave the stage: the stored rows shrink, the answer stays exact
    rng = random.Random(2)
    for i in range(PAGE_ROWS + 7, PAGE_ROWS - 60, -1):
        project = repo.get(f"big-{i:04d}")
        new, _ = domain.change_stage(project, {"stage": "appraised",
                                               "expected_version": project["version"]},
                                     now=domain_now(0), by="test")
        repo.save_versioned(new, project["version"])
        if rng.random() < 0.1:
            totals.fold(REGION)
    assert _check(repo, sizes=(1, 50), label="shrunk") == 6  # 53 trusted rows of 120 left
    # two projects registered with an older creation instant than every stored row: the page
    # cannot place them (unstored projects rank between), so they never fill it up
    for i in (1, 2):
        project, _ = domain.register_project(
            {**payloads[i], "region_code": REGION, "agglomeration": None, "external_ref": f"OLD-{i}"},
            project_id=f"old-{i}", now=domain_now(-10 * i), by="test")
        repo.save_new(project)
    assert _stored(repo, "proposed", 54) is None
    assert _check(repo, sizes=(53, 54), label="older newcomers") == 4
    totals.fold(REGION)
    assert _check(repo, sizes=(53, 54), label="older newcomers folded") == 4
    while totals.fold(REGION):
        pass
    assert _stored(repo, "proposed", 60) is None  # too few trusted rows for a page of 60
    assert repo.count({"region_code": [REGION], "stage": ["proposed"]}) == 63
    pages.rebuild_short(REGION, STAGES)  # the timer reads the short page again
    assert _check(repo, sizes=(1, 50, 60), label="rebuilt") == 9


def domain_now(i: int) -> datetime:
    return datetime(2026, 1, 5, tzinfo=timezone.utc) + timedelta(minutes=i)


def test_the_fold_timer_visits_only_regions_with_work_after_checking_every_page_once(
        repo, monkeypatch):
    from services.investments import service as module
    from services.investments.stage_pages import StagePages
    monkeypatch.setattr(module, "_PAGES_CHECKED", set())
    folded, checked = [], []
    fold, rebuild = RegionTotals.fold, StagePages.rebuild_short
    monkeypatch.setattr(RegionTotals, "fold",
                        lambda self, region, *a: (folded.append(region), fold(self, region, *a))[1])
    monkeypatch.setattr(StagePages, "rebuild_short",
                        lambda self, region, stages: (checked.append(region),
                                                      rebuild(self, region, stages))[1])
    payloads = generate_projects(6, seed=29)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(6)]
    svc = module.InvestmentsService()
    svc.projects = repo
    svc.fold_region_totals()  # the first tick: every region (none has totals), every page
    assert sorted(folded) == sorted(checked) == sorted(module.REGIONS)
    assert _check(repo, label="first tick") == 9
    folded.clear(), checked.clear()
    svc.fold_region_totals()  # nothing written since: nothing read or written per region
    assert folded == [] and checked == []
    _write_something(repo, random.Random(2), ids[0])
    svc.fold_region_totals()
    assert folded == checked == [REGION]
    assert repo.collection.count_documents({DIRTY: True}) == 0
    assert _check(repo, label="after a write") == 9
