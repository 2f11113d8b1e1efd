"""The region summary read from stored totals stays exact against the real store: after every
write (read-your-writes), while folds run, when a fold dies between storing the totals and
recording them in the projects, with two replicas folding at once, and for projects stored before
the totals existed. Each check compares with the summary added up from every project."""
import random
import threading
from datetime import datetime, timedelta, timezone

import pytest

from services.common.errors import StaleVersion
from services.common.mongo import get_client
from services.investments import domain
from services.investments.application.demo_data import generate_projects
from services.investments.repository import ProjectRepository
from services.investments.totals_repository import DIRTY, TOTALS_COLLECTION, RegionTotals

pytestmark = pytest.mark.integration

REGION = "KZ-39"
NOW = datetime(2026, 1, 5, 6, 0, tzinfo=timezone.utc)


@pytest.fixture
def repo(db_prefix):
    db = get_client()[f"{db_prefix}_investments_totals"]
    ProjectRepository.ensure_indexes(db)
    yield ProjectRepository(db)
    get_client().drop_database(db.name)


def _register(repo, payload, index: int) -> dict:
    project, _ = domain.register_project({**payload, "region_code": REGION, "agglomeration": None},
                                         project_id=f"tot-{index:04d}",
                                         now=NOW + timedelta(seconds=index), by="test")
    return repo.save_new(project)


def _write_something(repo, rng: random.Random, project_id: str) -> None:
    """A stage move or a jobs update, as the commands do it (read, decide, guarded write)."""
    project = repo.get(project_id)
    moves = [s for s in domain.allowed_next_stages(project["stage"], project.get("suspended_from"))
             if s not in ("cancelled", "suspended")]
    if moves and rng.random() < 0.6:
        new, _ = domain.change_stage(project, {"stage": rng.choice(moves),
                                               "expected_version": project["version"]},
                                     now=NOW, by="test")
    else:
        new, _ = domain.update_project(project, {"jobs_planned": rng.randrange(0, 900),
                                                 "expected_version": project["version"]},
                                       now=NOW, by="test")
    try:
        repo.save_versioned(new, project["version"])
    except StaleVersion:
        pass  # another writer won: its write is the one kept, as for a 409


def _expected(repo) -> dict:
    return domain.region_summary(repo.summary_rows(REGION))


def _summary(repo) -> dict:
    summary = repo.region_totals().summary(REGION)
    assert summary is not None, "the region has stored totals"
    return summary


def test_summary_is_exact_after_every_write_while_folds_run(repo):
    rng = random.Random(11)
    payloads = generate_projects(40, seed=5)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(10)]
    totals = repo.region_totals()
    assert totals.summary(REGION) is None  # no totals yet: the service adds up the rows
    assert totals.fold(REGION) == 10
    assert _summary(repo) == _expected(repo)
    for step in range(40):
        if step % 4 == 0 and len(ids) < 40:
            ids.append(_register(repo, payloads[len(ids)], len(ids))["id"])
        else:
            _write_something(repo, rng, rng.choice(ids))
        assert _summary(repo) == _expected(repo), f"step {step}"  # the very next read
        if rng.random() < 0.3:
            totals.fold(REGION, limit=rng.randrange(1, 6))
            assert _summary(repo) == _expected(repo), f"after the fold of step {step}"
    while totals.fold(REGION):
        pass
    assert repo.collection.count_documents({"region_code": REGION, DIRTY: True}) == 0
    assert _summary(repo) == _expected(repo)


def test_a_fold_that_dies_after_storing_the_totals_never_leaves_a_wrong_summary(repo, monkeypatch):
    rng = random.Random(3)
    payloads = generate_projects(12, seed=9)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(12)]
    totals = repo.region_totals()
    totals.fold(REGION)
    for project_id in ids[:6]:
        _write_something(repo, rng, project_id)

    calls = []

    def die_after_storing(self, batch):
        calls.append(len(batch))
        raise RuntimeError("process killed")  # the new totals are stored, the batch is not
    with monkeypatch.context() as patch:
        patch.setattr(RegionTotals, "record", die_after_storing)
        with pytest.raises(RuntimeError):
            totals.fold(REGION)
    # the first fold's batch of 12, recorded by this process, is not recorded again
    assert calls == [6]
    # the totals include the batch; the projects still carry their marks and old contributions
    assert repo.collection.count_documents({"region_code": REGION, DIRTY: True}) == 6
    assert _summary(repo) == _expected(repo)
    for project_id in ids[:3]:  # written again before any fold repaired the batch
        _write_something(repo, rng, project_id)
    assert _summary(repo) == _expected(repo)
    totals.fold(REGION)  # records the dead fold's batch first, then folds what is dirty
    assert _summary(repo) == _expected(repo)
    totals.fold(REGION)
    assert repo.collection.count_documents({"region_code": REGION, DIRTY: True}) == 0
    assert _summary(repo) == _expected(repo)


def test_two_replicas_folding_while_two_writers_write_end_exact(repo):
    payloads = generate_projects(20, seed=13)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(20)]
    repo.region_totals().fold(REGION)
    stop = threading.Event()
    failures = []

    def folder():
        totals = repo.region_totals()
        while not stop.is_set():
            try:
                totals.fold(REGION, limit=4)
            except StaleVersion:
                pass  # the guard gave up on a busy project: the next fold does it
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)

    def writer(seed):
        rng = random.Random(seed)
        for _ in range(25):
            _write_something(repo, rng, rng.choice(ids))

    folders = [threading.Thread(target=folder) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(seed,)) for seed in (1, 2)]
    for thread in folders + writers:
        thread.start()
    for thread in writers:
        thread.join()
    assert _summary(repo) == _expected(repo)
    stop.set()
    for thread in folders:
        thread.join()
    assert failures == []
    totals = repo.region_totals()
    while totals.fold(REGION):
        pass
    assert repo.collection.count_documents({"region_code": REGION, DIRTY: True}) == 0
    assert _summary(repo) == _expected(repo)


def test_projects_stored_before_the_totals_existed_are_folded_too(repo):
    payloads = generate_projects(6, seed=21)
    for i in range(6):
        _register(repo, payloads[i], i)
    repo.collection.update_many({}, {"$unset": {DIRTY: ""}})  # as an older release stored them
    assert repo.db[TOTALS_COLLECTION].count_documents({}) == 0
    totals = repo.region_totals()
    assert totals.fold(REGION) == 6
    assert _summary(repo) == _expected(repo)
    assert _summary(repo)["total"]["count"] == 6


def _revisions(repo) -> dict:
    return {d["_id"]: d.get("_rev", 0) for d in repo.collection.find({}, {"_rev": 1})}


def test_a_fold_with_nothing_written_since_writes_no_project(repo, monkeypatch):
    """Every update bumps the storage revision, so a batch recorded again would rewrite each of
    its projects at every tick; neither this process nor a new one (which records the last batch
    again, idempotently) may write a project that is recorded already."""
    payloads = generate_projects(8, seed=31)
    for i in range(8):
        _register(repo, payloads[i], i)
    totals = repo.region_totals()
    assert totals.fold(REGION) == 8
    revisions = _revisions(repo)
    recorded = []
    record = RegionTotals.record
    monkeypatch.setattr(RegionTotals, "record",
                        lambda self, batch: (recorded.append(len(batch)), record(self, batch)))
    assert totals.fold(REGION) == 0
    assert recorded == []  # this process recorded that batch already
    monkeypatch.setattr("services.investments.totals_repository._RECORDED", {})  # a new process
    assert totals.fold(REGION) == 0
    assert recorded == [8]  # it records the stored batch again ...
    assert _revisions(repo) == revisions  # ... and writes none of those projects
    assert _summary(repo) == _expected(repo)


def test_only_regions_with_written_projects_or_without_totals_are_due(repo):
    payloads = generate_projects(3, seed=41)
    ids = [_register(repo, payloads[i], i)["id"] for i in range(3)]
    totals = repo.region_totals()
    regions = [REGION, "KZ-55", "KZ-11"]
    assert totals.regions_due(regions) == set(regions)  # no totals stored for any of them
    totals.fold(REGION)
    totals.fold("KZ-55")
    assert totals.regions_due(regions) == {"KZ-11"}  # KZ-55 has totals of no project
    _write_something(repo, random.Random(5), ids[0])
    assert totals.regions_due(regions) == {REGION, "KZ-11"}
    totals.fold(REGION)
    assert totals.regions_due(regions) == {"KZ-11"}
