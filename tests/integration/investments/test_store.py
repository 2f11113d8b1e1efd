"""ProjectRepository against the real store: every list filter, sort orders (nulls included),
keyset cursor paging, the page-size cap, and exact money/date round trips.

One data set of domain-made projects (registered and pushed through every stage) is inserted once
per module with the repository's own ``to_store``; each test compares what the store answers with
the same question asked of the documents in Python.
"""
import copy
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from bson.int64 import Int64

from services.common.errors import StaleVersion, ValidationFailed
from services.common.mongo import get_client
from services.investments.application.demo_data import advance, example_project, generate_projects
from services.investments.domain import STAGES, normalise_query, register_project
from services.investments.repository import ProjectRepository

pytestmark = pytest.mark.integration

UTC = timezone.utc
BASE = datetime(2025, 10, 1, 6, 0, tzinfo=UTC)
PROJECTS = 230  # more than the largest page, so the cap shows


def _build_projects() -> list[dict]:
    payloads = generate_projects(PROJECTS, seed=31)
    # literal-text probes: the second would match the first's text as an unescaped pattern
    payloads[5]["title"] = "Zhanatas phosphate plant (phase 2.0)"
    payloads[6]["title"] = "Zhanatas phosphate plant (phase 2x0)"
    projects = []
    for i, payload in enumerate(payloads):
        if i % 7 == 3:  # some projects without planned dates: nulls in sorts
            payload["planned_start"] = None
            payload["planned_commissioning"] = None
        # several projects share a creation instant, so the id tie-breaker matters
        created = BASE + timedelta(minutes=i - i % 3)
        project, _ = register_project(payload, project_id=f"prj-{i:04d}", now=created, by="test")
        target = STAGES[i % len(STAGES)]
        if target != "proposed":
            project, _ = advance(project, target, now=BASE + timedelta(days=1), by="test", seed=i,
                                 interrupted_at="financed" if i % 2 else "under_implementation")
        projects.append(project)
    return projects


@pytest.fixture(scope="module")
def dataset(db_prefix):
    db = get_client()[f"{db_prefix}_investments_store"]
    ProjectRepository.ensure_indexes(db)
    repo = ProjectRepository(db)
    projects = _build_projects()
    repo.collection.insert_many([repo.to_store(p) for p in projects])
    yield repo, projects
    get_client().drop_database(db.name)


# ---- what the answers should be ----------------------------------------------------------------

def _matches(project: dict, filters: dict) -> bool:
    for key in ("region_code", "agglomeration", "sector", "stage", "project_type"):
        if key in filters and project[key] not in filters[key]:
            return False
    if "priority" in filters and project["priority"] != filters["priority"]:
        return False
    if "min_cost_kzt" in filters and project["cost_kzt"] < filters["min_cost_kzt"]:
        return False
    if "max_cost_kzt" in filters and project["cost_kzt"] > filters["max_cost_kzt"]:
        return False
    if "text" in filters:
        needle = filters["text"].lower()
        haystack = (project["title"], project["description"], project["district"],
                    project["investor"]["name"])
        if not any(needle in text.lower() for text in haystack):
            return False
    return True


def _ordered(projects: list[dict], sort: list) -> list[str]:
    """Ids in ``sort`` order as the store sorts: nulls first ascending, last descending."""
    result = list(projects)
    for field, direction in reversed(sort):  # stable sorts, least significant key first
        result.sort(key=lambda p: (0,) if p[field] is None else (1, p[field]),
                    reverse=direction < 0)
    return [p["id"] for p in result]


def _walk(repo, query: dict) -> tuple[list[str], int]:
    ids, cursor, pages = [], None, 0
    while True:
        page = repo.query(normalise_query({**query, "cursor": cursor}))
        ids.extend(p["id"] for p in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, pages
        assert pages < 1000, "paging does not end"


# ---- tests -------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    {"region_code": "KZ-75"},
    {"region_code": "KZ-10,KZ-62,KZ-79"},
    {"agglomeration": "almaty"},
    {"agglomeration": "astana,karaganda"},
    {"sector": "tourism"},
    {"sector": "energy,mining_metallurgy"},
    {"stage": "under_implementation"},
    {"stage": "suspended,cancelled"},
    {"project_type": "expansion"},
    {"priority": "true"},
    {"priority": "false"},
    {"min_cost_kzt": "5000000000"},
    {"max_cost_kzt": "2000000000.50"},
    {"min_cost_kzt": "1000000000", "max_cost_kzt": "20000000000"},
    {"text": "plant"},  # several pages: the text $or and the cursor's $or combine
    {"text": "ZHANATAS"},
    {"text": "(phase 2.0)"},
    {"text": "qazaq dala"},
    {"text": ".*"},
    {"region_code": "KZ-35", "stage": "commissioned,evaluated,under_implementation"},
    {"region_code": "KZ-19,KZ-75", "agglomeration": "almaty", "sector": "tourism,manufacturing",
     "text": "plant"},
], ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()))
def test_every_filter_matches_the_same_projects_as_the_rule(dataset, query):
    repo, projects = dataset
    normalised = normalise_query(query)
    expected = _ordered([p for p in projects if _matches(p, normalised["filters"])],
                        normalised["sort"])
    ids, _ = _walk(repo, {**query, "page_size": 40})
    assert ids == expected
    assert repo.count(normalised["filters"]) == len(expected)


def test_filters_are_not_vacuous(dataset):
    # the probes above must select something, or the comparison proves little
    repo, projects = dataset
    for query, at_least in (({"text": "(phase 2.0)"}, 1), ({"priority": "true"}, 10),
                            ({"agglomeration": "almaty"}, 5), ({"stage": "suspended"}, 5)):
        assert repo.count(normalise_query(query)["filters"]) >= at_least, query
    assert repo.count(normalise_query({"text": "(phase 2.0)"})["filters"]) == 1
    assert repo.count(normalise_query({"text": ".*"})["filters"]) == 0
    assert repo.count(normalise_query({"text": "plant"})["filters"]) > 40


@pytest.mark.parametrize("sort", [
    None, "title", "-cost_kzt", "planned_start", "-planned_start", "-planned_commissioning,title",
    "stage,-jobs_created", "updated_at", "region_code,-created_at", "external_ref", "-id",
    "invested_to_date_kzt,-jobs_planned",
])
def test_sort_orders_with_cursor_paging_visit_every_project_once(dataset, sort):
    repo, projects = dataset
    query = {} if sort is None else {"sort": sort}
    normalised = normalise_query(query)
    ids, pages = _walk(repo, {**query, "page_size": 17})
    assert ids == _ordered(projects, normalised["sort"])
    assert len(set(ids)) == PROJECTS
    assert pages == -(-PROJECTS // 17)


def test_paging_is_stable_while_projects_are_added(dataset):
    repo, projects = dataset
    first = repo.query(normalise_query({"page_size": 25}))
    newcomer, _ = register_project(example_project(external_ref="LATE-ARRIVAL"),
                                   project_id="prj-late", now=BASE + timedelta(days=30), by="test")
    repo.collection.insert_one(repo.to_store(newcomer))  # sorts first: offsets would shift
    try:
        ids = [p["id"] for p in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            page = repo.query(normalise_query({"page_size": 25, "cursor": cursor}))
            ids.extend(p["id"] for p in page["items"])
            cursor = page["next_cursor"]
        assert ids == _ordered(projects, normalise_query({})["sort"])
    finally:
        repo.collection.delete_one({"_id": "prj-late"})


@pytest.mark.parametrize("asked,served", [(1, 1), (200, 200), (201, 200), (5000, 200)])
def test_page_size_is_capped(dataset, asked, served):
    repo, _ = dataset
    page = repo.query(normalise_query({"page_size": asked}))
    assert len(page["items"]) == served
    assert page["next_cursor"] is not None


def test_last_page_has_no_cursor_and_empty_match_is_one_empty_page(dataset):
    repo, _ = dataset
    first = repo.query(normalise_query({"page_size": 200}))
    last = repo.query(normalise_query({"page_size": 200, "cursor": first["next_cursor"]}))
    assert len(last["items"]) == PROJECTS - 200 and last["next_cursor"] is None
    empty = repo.query(normalise_query({"region_code": "KZ-10", "text": "no such words"}))
    assert empty == {"items": [], "next_cursor": None}


def test_cursor_of_another_sort_or_tampered_is_refused(dataset):
    repo, _ = dataset
    cursor = repo.query(normalise_query({"sort": "title", "page_size": 5}))["next_cursor"]
    with pytest.raises(ValidationFailed) as other_sort:
        repo.query(normalise_query({"sort": "-cost_kzt", "cursor": cursor}))
    assert list(other_sort.value.details) == ["cursor"]
    from services.investments.domain import decode_cursor, encode_cursor
    position = decode_cursor(cursor)
    position["a"][0] = {"$gt": ""}  # an operator smuggled in as a position value
    with pytest.raises(ValidationFailed) as tampered:
        repo.query(normalise_query({"sort": "title", "cursor": encode_cursor(position)}))
    assert tampered.value.details == {"cursor": ["malformed cursor"]}


def test_pages_return_the_documents_exactly_as_stored(dataset):
    repo, projects = dataset
    by_id = {p["id"]: p for p in projects}
    page = repo.query(normalise_query({"stage": "evaluated,suspended", "page_size": 200}))
    assert page["items"]
    for item in page["items"]:
        assert item == by_id[item["id"]]


def test_money_and_dates_round_trip_exactly(db_prefix):
    db = get_client()[f"{db_prefix}_investments_roundtrip"]
    ProjectRepository.ensure_indexes(db)
    repo = ProjectRepository(db)
    try:
        payload = example_project(
            external_ref="ROUND-TRIP-1",
            total_cost={"amount": "1234567890.99", "currency": "USD", "exchange_rate": "512.345678"},
            financing_sources=[{"source": "own_funds", "amount_kzt": "0.01"},
                               {"source": "bank_loan", "amount_kzt": "632525523146.29"}],
            expected_annual_local_revenue_kzt="310000000.07",
            planned_start="2000-01-01", planned_commissioning="2100-12-31")
        project, _ = register_project(payload, project_id="rt-1",
                                      now=datetime(2025, 3, 1, 23, 59, 59, 999000, tzinfo=UTC),
                                      by="test")
        repo.save_new(project)
        raw = db.projects.find_one({"_id": "rt-1"})
        # money: integer tiyn (Int64), exact; other decimals: their string; dates: midnight UTC
        assert raw["cost_kzt"] == Int64(63252552314630)  # 1234567890.99 * 512.345678, to 0.01
        assert isinstance(raw["cost_kzt"], Int64)
        assert [s["amount_kzt"] for s in raw["financing_sources"]] == [1, 63252552314629]
        assert raw["expected_annual_local_revenue_kzt"] == 31000000007
        assert raw["total_cost"] == {"amount": "1234567890.99", "currency": "USD",
                                     "exchange_rate": "512.345678"}
        assert raw["planned_start"] == datetime(2000, 1, 1, tzinfo=UTC)
        back = repo.get("rt-1")
        assert back == project
        assert back["cost_kzt"] == Decimal("632525523146.30")
        assert back["total_cost"]["exchange_rate"] == Decimal("512.345678")
        assert back["planned_commissioning"] == date(2100, 12, 31)
        assert back["created_at"] == project["created_at"] and back["created_at"].tzinfo
        assert repo.query(normalise_query({"min_cost_kzt": "632525523146.30",
                                           "max_cost_kzt": "632525523146.30"}))["items"] == [back]
        assert repo.query(normalise_query({"min_cost_kzt": "632525523146.31"}))["items"] == []
    finally:
        get_client().drop_database(db.name)


def test_stale_version_at_the_store_leaves_the_document_unchanged(db_prefix):
    db = get_client()[f"{db_prefix}_investments_stale"]
    repo = ProjectRepository(db)
    try:
        project, _ = register_project(example_project(), project_id="st-1", now=BASE, by="a")
        repo.save_new(project)
        read_by_a = repo.get("st-1")
        read_by_b = copy.deepcopy(read_by_a)
        repo.save_versioned({**read_by_b, "title": "Changed by b", "version": 2}, 1)
        before = db.projects.find_one({"_id": "st-1"})
        with pytest.raises(StaleVersion) as caught:
            repo.save_versioned({**read_by_a, "title": "Changed by a", "version": 2}, 1)
        assert caught.value.details == {"expected": 1, "actual": 2}
        assert db.projects.find_one({"_id": "st-1"}) == before
        assert repo.get("st-1")["title"] == "Changed by b"
    finally:
        get_client().drop_database(db.name)
