"""The region totals documents against the real store: after seeded random sequences of project
events (stage moves, region moves, redeliveries, older versions arriving late, background
recomputations in between), every region's figures equal the row-by-row computation over the
hub's project rows and over the newest snapshot of every project."""
import random
import threading
import uuid
from datetime import datetime, timezone

import pytest

from services.common.mongo import get_client
from services.gateway.hub import region_totals_repository
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.projections_repository import PROJECTS, HubReadModels
from services.gateway.hub.reactions import HubReactions
from services.gateway.hub.reference import PIPELINE_STAGES
from services.gateway.hub.region_totals import figures_from_buckets
from services.gateway.hub.region_totals_repository import MARKS, TOTALS, dirty_seq, is_clean
from services.gateway.hub.scorecards import project_figures, region_scorecard, rollup
from tests.support.hub_events import at, envelope, project_event, project_snapshot, received

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
REGIONS = ("KZ-35", "KZ-10", "KZ-75")
SECTORS = ("manufacturing", "energy", "agro_processing")


@pytest.fixture
def hub(db_prefix):
    client = get_client()
    db = client[f"{db_prefix}_hubtotals_{uuid.uuid4().hex[:6]}"]
    HubReadModels.ensure_indexes(db)
    InitiativeRepository.ensure_indexes(db)
    yield HubReactions(HubReadModels(db), InitiativeRepository(db), clock=lambda: NOW)
    client.drop_database(db.name)


def _versions(rng: random.Random, pid: str) -> list[dict]:
    """One project's life: registered, then random moves of stage, region, money and jobs."""
    stage, region = "proposed", rng.choice(REGIONS)
    cost, invested, created = rng.randint(1, 10**6), 0, 0
    wires = []
    for version in range(1, rng.randint(2, 6)):
        if version > 1:
            move = rng.choice(("stage", "stage", "region", "progress"))
            if move == "stage":
                previous, stage = stage, rng.choice(PIPELINE_STAGES)
                suspended_from = previous if stage == "suspended" else None
            elif move == "region":
                region = rng.choice(REGIONS)
            else:
                invested, created = invested + rng.randint(0, 5000), created + rng.randint(0, 3)
        snapshot = project_snapshot(
            pid, region, stage=stage, version=version, cost=f"{cost}.{rng.randint(0, 99):02d}",
            jobs_planned=rng.randint(0, 50), jobs_created=created, invested=f"{invested}.00",
            suspended_from=suspended_from if version > 1 and stage == "suspended" else None,
            stage_entered_at=at(version), sector=rng.choice(SECTORS),
            priority=rng.random() < 0.3)
        event_type = "project_registered" if version == 1 else "project_updated"
        wires.append(envelope(*project_event(event_type, snapshot), occurred_at=at(version)))
    return wires


def _expected_by_region(wires_by_project: dict) -> dict:
    """Row-by-row figures over the newest snapshot of every project (independent of the store)."""
    rows = {code: [] for code in REGIONS}
    for wires in wires_by_project.values():
        newest = received(wires[-1])["payload"]
        rows[newest["region_code"]].append(newest)
    return {code: project_figures(region_rows) for code, region_rows in rows.items()}


def _figures(hub, code):
    return hub.models.region_facts([code], NOW.date())[code].project_buckets()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_equal_the_row_by_row_figures_after_random_event_sequences(hub, seed):
    rng = random.Random(seed)
    wires_by_project = {str(uuid.UUID(int=rng.getrandbits(128))): None for _ in range(25)}
    deliveries = []
    for pid in wires_by_project:
        wires_by_project[pid] = _versions(rng, pid)
        deliveries.extend(wires_by_project[pid])
    deliveries += rng.sample(deliveries, len(deliveries) // 3)  # redeliveries
    rng.shuffle(deliveries)  # older versions arrive after newer ones
    for step, wire in enumerate(deliveries):
        hub.on_event(received(wire))
        if step % 7 == 0:  # the timer's work, and reads, in between
            hub.models.region_totals.refresh_dirty()
        if step % 11 == 0:
            hub.models.region_facts(list(REGIONS), NOW.date())
    expected = _expected_by_region(wires_by_project)
    facts = hub.models.region_facts(list(REGIONS), NOW.date())
    stored_rows = [hub.models.codec.decode(d) for d in hub.models.db[PROJECTS].find({})]
    for code in REGIONS:
        card = region_scorecard(facts[code], NOW.date())
        assert card["projects"] == region_scorecard(
            type(facts[code])(code, projects=[r for r in stored_rows
                                              if r["region_code"] == code]),
            NOW.date())["projects"]
        assert figures_from_buckets(facts[code].project_buckets()) == expected[code]
    assert sum(project_figures([r for r in stored_rows])["by_stage"].values()) == 25
    national = rollup([facts[c] for c in REGIONS], NOW.date(), True)["projects"]
    assert national["total"] == 25
    # once the timer has run, every region is served from its document, still equal
    hub.models.region_totals.refresh_dirty()
    again = hub.models.region_facts(list(REGIONS), NOW.date())
    assert {again[c].project_totals["from"] for c in REGIONS} == {"read_model"}
    for code in REGIONS:
        assert again[code].project_buckets() == facts[code].project_buckets()


def test_an_event_during_a_recomputation_leaves_the_region_dirty(hub, monkeypatch):
    pid = str(uuid.uuid4())
    hub.on_event(received(envelope(*project_event("project_registered",
                                                  project_snapshot(pid, cost="100.00")))))
    later = received(envelope(*project_event("project_updated", project_snapshot(
        pid, cost="100.00", stage="approved", version=2)), occurred_at=at(2)))
    real = region_totals_repository.buckets_from_rows
    fired = []

    def rows_then_an_event(rows):
        buckets = real(rows)  # the rows as they were: version 1, proposed
        if not fired:
            fired.append(True)
            hub.on_event(later)  # written and marked while the computation runs
        return buckets
    monkeypatch.setattr(region_totals_repository, "buckets_from_rows", rows_then_an_event)
    stale = hub.models.region_totals.recompute("KZ-35")
    assert stale["buckets"][0]["stage"] == "proposed"
    assert not is_clean("KZ-35", hub.models.db[TOTALS].find_one({"_id": "KZ-35"}), _marks(hub))
    monkeypatch.setattr(region_totals_repository, "buckets_from_rows", real)
    card = region_scorecard(hub.models.region_facts(["KZ-35"], NOW.date())["KZ-35"], NOW.date())
    assert card["projects"]["by_stage"]["approved"] == 1
    assert card["projects"]["investment_committed_kzt"] == "100.00"
    assert card["project_totals"]["from"] == "rows"


def test_rows_loaded_in_bulk_without_events_are_counted(hub):
    rows = [{"_id": str(uuid.uuid4()), "project_id": None, "region_code": "KZ-75",
             "stage": "financed", "sector": "energy", "cost_kzt": 1000, "jobs_planned": 1,
             "jobs_created": 0, "version": 1} for _ in range(30)]  # 1000 tiyn = 10.00 KZT
    hub.models.db[PROJECTS].insert_many(rows)
    facts = hub.models.region_facts(["KZ-75"], NOW.date())["KZ-75"]
    assert facts.project_totals["from"] == "rows"
    card = region_scorecard(facts, NOW.date())
    assert (card["projects"]["total"], card["projects"]["investment_committed_kzt"]) == \
        (30, "300.00")
    again = hub.models.region_facts(["KZ-75"], NOW.date())["KZ-75"]
    assert again.project_totals["from"] == "read_model"
    assert again.project_buckets() == facts.project_buckets()


def test_two_writers_lose_no_mark(hub):
    """Events of many projects of one region from two threads (as from two gateway replicas):
    every handler returns only once a mark after its row is stored (one guarded $inc per region
    per round of concurrent handlers), so the region is left dirty and its totals equal the rows."""
    pids = [str(uuid.uuid4()) for _ in range(16)]
    wires = [envelope(*project_event("project_registered", project_snapshot(
        pid, cost=f"{i + 1}.00"))) for i, pid in enumerate(pids)]
    errors = []

    def deliver(part):
        try:
            for wire in part:
                hub.on_event(received(wire))
        except Exception as exc:  # surfaced below
            errors.append(exc)
    threads = [threading.Thread(target=deliver, args=(wires[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    doc = hub.models.db[TOTALS].find_one({"_id": "KZ-35"})
    # coalesced: fewer increments than events in the rounds of concurrent handlers, never none
    assert 1 <= dirty_seq("KZ-35", doc, _marks(hub)) <= 16
    assert not is_clean("KZ-35", doc, _marks(hub))
    card = region_scorecard(hub.models.region_facts(["KZ-35"], NOW.date())["KZ-35"], NOW.date())
    assert card["projects"]["total"] == 16
    assert card["projects"]["investment_committed_kzt"] == "0.00"  # all proposed
    assert card["projects"]["jobs_planned"] == 160


def _marks(hub):
    return hub.models.db[TOTALS].find_one({"_id": MARKS})


def _total(hub, code):
    facts = hub.models.region_facts([code], NOW.date())[code]
    return region_scorecard(facts, NOW.date())["projects"]["total"]


def test_a_project_leaving_a_region_marks_the_region_it_left(hub):
    pid = str(uuid.uuid4())
    hub.on_event(received(envelope(*project_event("project_registered",
                                                  project_snapshot(pid, "KZ-35")))))
    assert _total(hub, "KZ-35") == 1  # KZ-35's document is computed and clean
    hub.models.region_totals.refresh_dirty()
    hub.on_event(received(envelope(*project_event("project_updated", project_snapshot(
        pid, "KZ-10", version=2)), occurred_at=at(1))))
    assert not is_clean("KZ-35", hub.models.db[TOTALS].find_one({"_id": "KZ-35"}), _marks(hub))
    assert (_total(hub, "KZ-35"), _total(hub, "KZ-10")) == (0, 1)


def test_a_crash_between_the_row_and_the_mark_is_repaired_by_the_redelivery(hub, monkeypatch):
    pid = str(uuid.uuid4())
    hub.on_event(received(envelope(*project_event("project_registered",
                                                  project_snapshot(pid, "KZ-35")))))
    assert _total(hub, "KZ-35") == 1
    moved = received(envelope(*project_event("project_updated", project_snapshot(
        pid, "KZ-10", version=2)), occurred_at=at(1)))
    real = region_totals_repository.RegionTotals.mark_dirty

    def crash(self, regions):
        raise ConnectionError("the process died before marking")
    monkeypatch.setattr(region_totals_repository.RegionTotals, "mark_dirty", crash)
    with pytest.raises(ConnectionError):
        hub.on_event(moved)  # the row is written, the message is not acked
    monkeypatch.setattr(region_totals_repository.RegionTotals, "mark_dirty", real)
    assert hub.models.project(pid)["region_code"] == "KZ-10"
    hub.on_event(moved)  # the broker delivers it again: the row is as new, the marks are made
    assert (_total(hub, "KZ-35"), _total(hub, "KZ-10")) == (0, 1)


def test_a_dirty_region_is_served_from_its_totals_only_within_the_staleness_bound(hub):
    """With HUB_TOTALS_MAX_STALENESS_SECONDS set, a region dirtied after its last computation is
    answered from the stored buckets, marked stale, while they are young enough; past the bound
    it is recomputed from the rows; with the bound at 0 every answer is exact."""
    from services.gateway.hub.region_totals_repository import RegionTotals
    rows = [{"_id": str(uuid.uuid4()), "project_id": None, "region_code": "KZ-75",
             "stage": "financed", "sector": "energy", "cost_kzt": 1000, "jobs_planned": 1,
             "jobs_created": 0, "version": 1} for _ in range(3)]
    db, decode = hub.models.db, hub.models.codec.decode
    db[PROJECTS].insert_many(rows)
    clock = [NOW]
    bounded = RegionTotals(db, decode, clock=lambda: clock[0], max_staleness=10)
    exact = RegionTotals(db, decode, clock=lambda: clock[0])
    assert bounded.totals(["KZ-75"])["KZ-75"]["from"] == "rows"   # nothing stored yet
    db[PROJECTS].insert_one(dict(rows[0], _id=str(uuid.uuid4())))  # a fourth project arrives
    bounded.mark_dirty(["KZ-75"])

    clock[0] = NOW.replace(second=5)
    served = bounded.totals(["KZ-75"])["KZ-75"]
    assert (served["from"], served.get("stale")) == ("read_model", True)
    assert sum(b["count"] for b in served["buckets"]) == 3          # as computed, stated stale
    assert exact.totals(["KZ-75"])["KZ-75"]["from"] == "rows"       # the bound at 0: exact

    bounded.mark_dirty(["KZ-75"])
    clock[0] = NOW.replace(second=30)                                # past the 10 s bound
    recomputed = bounded.totals(["KZ-75"])["KZ-75"]
    assert recomputed["from"] == "rows" and sum(b["count"] for b in recomputed["buckets"]) == 4


def test_one_round_marks_every_region_in_one_write_and_an_older_mark_still_counts(hub):
    totals = hub.models.region_totals
    totals.mark_dirty(["KZ-35", "KZ-10", "KZ-11"])
    marks = _marks(hub)
    assert {code: marks[code] for code in ("KZ-35", "KZ-10", "KZ-11")} == dict.fromkeys(
        ("KZ-35", "KZ-10", "KZ-11"), 1)
    assert marks.get("_rev") == 1  # one write of the marks document
    # a region document marked where marks were kept before (its own dirty_seq) stays dirty
    hub.models.db[TOTALS].insert_one({"_id": "KZ-19", "computed_seq": 0, "dirty_seq": 2})
    assert "KZ-19" in totals.refresh_dirty()
    doc = hub.models.db[TOTALS].find_one({"_id": "KZ-19"})
    assert doc["computed_seq"] == 2 and is_clean("KZ-19", doc, _marks(hub))
