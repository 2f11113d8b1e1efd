"""The national roll-up from the region totals on the real store: rows loaded in bulk (as the
national loader stores them, no events), their totals computed by the timer or stored by the
loader, then rows changed by events after the totals were stored (stage moves, region moves, new
projects, cancellations). At every step the roll-up of the 20 regions equals the figures summed
over every row the store holds, and once the timer has run it is served from the stored totals."""
import random
import threading
import time
import uuid
from datetime import datetime, timezone

import pytest

from services.common.mongo import get_client
from services.common.regions import REGION_CODES
from services.gateway.hub import region_totals_repository
from services.gateway.hub.documents import project_document
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.projections_repository import CODEC, PROJECTS, HubReadModels
from services.gateway.hub.reactions import HubReactions
from services.gateway.hub.reference import PIPELINE_STAGES
from services.gateway.hub.region_totals import buckets_from_rows, merge_buckets
from services.gateway.hub.region_totals_repository import TOTALS
from services.gateway.hub.scorecards import RegionFacts, rollup
from tests.support.hub_events import at, envelope, project_event, project_snapshot, received

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
SECTORS = ("manufacturing", "energy", "agro_processing", "tourism")
PER_REGION = 12


@pytest.fixture
def hub(db_prefix):
    client = get_client()
    db = client[f"{db_prefix}_hubrollup_{uuid.uuid4().hex[:6]}"]
    HubReadModels.ensure_indexes(db)
    InitiativeRepository.ensure_indexes(db)
    yield HubReactions(HubReadModels(db), InitiativeRepository(db), clock=lambda: NOW)
    client.drop_database(db.name)


def _snapshot(rng, pid, region, version=1, **fields):
    stage = fields.pop("stage", rng.choice(PIPELINE_STAGES))
    return project_snapshot(
        pid, region, stage=stage, version=version,
        suspended_from="approved" if stage == "suspended" else None,
        cost=f"{rng.randint(1, 10**7)}.{rng.randint(0, 99):02d}",
        invested=f"{rng.randint(0, 10**5)}.{rng.randint(0, 99):02d}",
        jobs_planned=rng.randint(0, 80), jobs_created=rng.randint(0, 20),
        sector=rng.choice(SECTORS), priority=rng.random() < 0.3, **fields)


def _bulk_rows(rng, as_loader: bool = True) -> list[dict]:
    """Every region's rows inserted without any event: as the national loader stores them
    (``HubReadModels.bulk_row``), or without ``regions_ever`` (rows of an earlier loader)."""
    rows = []
    for region in REGION_CODES:
        for _ in range(PER_REGION):
            pid = str(uuid.UUID(int=rng.getrandbits(128)))
            payload = received(envelope(*project_event("project_registered",
                                                       _snapshot(rng, pid, region))))["payload"]
            if as_loader:
                rows.append(HubReadModels.bulk_row(payload))
            else:
                doc = project_document(payload)
                version = doc.pop("version")
                rows.append({"_id": pid, **CODEC.encode(doc), "version": version})
    return rows


def _national(hub) -> dict:
    facts = hub.models.region_facts(REGION_CODES, NOW.date())
    return facts, rollup([facts[c] for c in REGION_CODES], NOW.date(), True)["projects"]


def _summed_over_rows(hub) -> dict:
    """The figures over every row the store holds, one region of all of them (no totals)."""
    rows = [hub.models.codec.decode(d) for d in hub.models.db[PROJECTS].find({})]
    return rollup([RegionFacts("KZ", projects=rows)], NOW.date(), True)["projects"]


def _change_rows_by_events(hub, rng, rows, count):
    """``count`` rows changed by project events: stage moves, region moves, cancellations, and
    as many new projects registered."""
    for row in rng.sample(rows, count):
        version = row["version"] + 1
        move = rng.choice(("stage", "region", "cancel"))
        region = rng.choice(REGION_CODES) if move == "region" else row["region_code"]
        stage = "cancelled" if move == "cancel" else rng.choice(PIPELINE_STAGES)
        event_type = "project_cancelled" if move == "cancel" else "project_updated"
        hub.on_event(received(envelope(*project_event(event_type, _snapshot(
            rng, row["_id"], region, version, stage=stage)), occurred_at=at(version))))
        row["version"] = version
    for _ in range(count):
        pid = str(uuid.UUID(int=rng.getrandbits(128)))
        hub.on_event(received(envelope(*project_event("project_registered", _snapshot(
            rng, pid, rng.choice(REGION_CODES))))))


@pytest.mark.parametrize("as_loader", [True, False])
def test_the_rollup_equals_the_rows_when_loaded_in_bulk_and_after_changes(hub, as_loader):
    """Also with rows that do not list the regions they were in: a project moved out of its
    region leaves that region marked (the row as it was before the write says where it was)."""
    rng = random.Random(10)
    rows = _bulk_rows(rng, as_loader)
    hub.models.db[PROJECTS].insert_many([dict(r) for r in rows])
    # no totals yet: the timer computes every region that has no document
    assert sorted(hub.models.region_totals.refresh_dirty()) == sorted(REGION_CODES)
    facts, national = _national(hub)
    assert {facts[c].project_totals["from"] for c in REGION_CODES} == {"read_model"}
    assert national == _summed_over_rows(hub)
    assert national["total"] == len(rows)

    _change_rows_by_events(hub, rng, rows, 40)  # rows changed after the totals were stored
    facts, national = _national(hub)
    assert national == _summed_over_rows(hub)  # exact: the dirty regions are read from rows
    assert national["total"] == len(rows) + 40
    assert "rows" in {facts[c].project_totals["from"] for c in REGION_CODES}

    hub.models.region_totals.refresh_dirty()  # the timer's round
    facts, again = _national(hub)
    assert {facts[c].project_totals["from"] for c in REGION_CODES} == {"read_model"}
    assert again == national


def test_totals_stored_by_a_bulk_loader_serve_the_rollup_and_changes_stay_exact(hub):
    rng = random.Random(11)
    rows = _bulk_rows(rng, as_loader=False)
    db = hub.models.db
    half = len(rows) // 2
    db[PROJECTS].insert_many([dict(r) for r in rows[:half]])
    hub.models.region_totals.refresh_dirty()  # the timer ran during the load: partial totals
    db[PROJECTS].insert_many([dict(r) for r in rows[half:]])
    # the loader's totals: each batch's buckets per region, merged
    by_region: dict = {}
    for batch in (rows[:half], rows[half:]):
        for code in REGION_CODES:
            part = [CODEC.decode(r) for r in batch if r["region_code"] == code]
            by_region[code] = merge_buckets(by_region.get(code, []), buckets_from_rows(part))
    assert hub.models.region_totals.store_loaded(by_region) == len(REGION_CODES)
    assert hub.models.region_totals.refresh_dirty() == []  # nothing left to compute
    facts, national = _national(hub)
    assert {facts[c].project_totals["from"] for c in REGION_CODES} == {"read_model"}
    assert national == _summed_over_rows(hub)
    assert isinstance(db[TOTALS].find_one({"_id": REGION_CODES[0]})["buckets"], str)

    _change_rows_by_events(hub, rng, rows, 15)
    assert _national(hub)[1] == _summed_over_rows(hub)


def test_concurrent_reads_of_a_dirty_region_read_its_rows_once(hub, monkeypatch):
    """Reads arriving while a region is recomputed wait for that computation and serve it."""
    rng = random.Random(12)
    rows = [r for r in _bulk_rows(rng) if r["region_code"] == "KZ-35"]
    hub.models.db[PROJECTS].insert_many(rows)
    real, computed = region_totals_repository.buckets_from_rows, []

    def slow_rows(region_rows):
        computed.append(True)
        buckets = real(region_rows)
        time.sleep(0.5)  # as the rows of a region at national size take seconds
        return buckets
    monkeypatch.setattr(region_totals_repository, "buckets_from_rows", slow_rows)
    answers, errors = [], []

    def read():
        try:
            answers.append(hub.models.region_totals.totals(["KZ-35"])["KZ-35"])
        except Exception as exc:  # surfaced below
            errors.append(exc)
    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(computed) == 1
    assert sorted(a["from"] for a in answers) == ["read_model"] * 3 + ["rows"]
    assert all(a["buckets"] == answers[0]["buckets"] for a in answers)
    assert sum(b["count"] for b in answers[0]["buckets"]) == PER_REGION
