"""The bulk demo seed: every fact of every command kept, in order; a re-run publishes nothing."""
from datetime import datetime, timezone

import pytest

from services.common.errors import DuplicateKey, ValidationFailed
from services.investments import domain
from services.investments.application.demo_data import advance, generate_projects
from services.investments.application.seeding import (
    EVENTS_PER_CARRIER,
    build_projects,
    load_batch,
    plan_for,
    seed_project_id,
)

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)


class FakeProjects:
    """What load_batch asks of ProjectRepository, in memory (unique id and external_ref)."""

    def __init__(self):
        self.docs = {}

    def ids_by_external_ref(self, refs):
        refs = set(refs)
        return {d["external_ref"]: i for i, d in self.docs.items() if d["external_ref"] in refs}

    def insert_missing(self, projects):
        stored = 0
        taken = {d["external_ref"] for d in self.docs.values()}
        for project in projects:
            if project["id"] in self.docs or project["external_ref"] in taken:
                continue
            self.docs[project["id"]] = project
            stored += 1
        return stored, len(projects) - stored


class FakeCarriers:
    """save_new of the outbox: a duplicate id is refused (DuplicateKey), facts kept in order."""

    def __init__(self):
        self.saved = {}

    def save_new(self, doc, facts):
        if doc["batch_id"] in self.saved:
            raise DuplicateKey("taken", {"fields": ["_id"]})
        self.saved[doc["batch_id"]] = list(facts)
        return doc

    def facts(self):
        return [f for facts in self.saved.values() for f in facts]


def plans(index):
    return plan_for(index, 2025)


def request(start=0, count=30, total=30):
    return {"seed": 2025, "total": total, "start": start, "count": count}


def test_the_batch_holds_what_the_commands_would_have_made():
    (index, project, facts), *_ = build_projects(2025, 30, 7, 1, now=NOW, plans=plans)
    payload = generate_projects(30, seed=2025)[7]
    registered, first = domain.register_project(payload, project_id=seed_project_id(2025, 7),
                                                now=NOW, by="seed")
    target, interrupted = plan_for(7, 2025)
    expected, more = (registered, []) if target == "proposed" else advance(
        registered, target, now=NOW, by="seed", seed=2025 * 1_000_003 + 7,
        interrupted_at=interrupted)
    assert index == 7 and project == expected and facts == first + more
    assert project["stage"] == target


def test_every_fact_goes_into_a_carrier_in_order_and_every_project_is_stored():
    projects, carriers = FakeProjects(), FakeCarriers()
    report = load_batch(projects, carriers, request(), now=NOW, plans=plans)
    made = build_projects(2025, 30, 0, 30, now=NOW, plans=plans)
    expected_facts = [f for _, _, facts in made for f in facts]
    assert report == {"stored": 30, "existing": 0, "events": len(expected_facts),
                      "registered_before": []}
    assert carriers.facts() == expected_facts
    assert len(expected_facts) > 30  # registrations and the moves after them
    assert all(len(f) <= EVENTS_PER_CARRIER for f in carriers.saved.values())
    assert set(projects.docs) == {seed_project_id(2025, i) for i in range(30)}


def test_a_rerun_stores_nothing_and_publishes_nothing_twice():
    projects, carriers = FakeProjects(), FakeCarriers()
    load_batch(projects, carriers, request(), now=NOW, plans=plans)
    before = carriers.facts()
    again = load_batch(projects, carriers, request(), now=NOW, plans=plans)
    assert again == {"stored": 0, "existing": 30, "events": 0, "registered_before": []}
    assert carriers.facts() == before


def test_a_project_registered_before_under_another_id_is_left_to_the_commands():
    projects, carriers = FakeProjects(), FakeCarriers()
    payload = generate_projects(30, seed=2025)[3]
    by_hand, _ = domain.register_project(payload, project_id="by-hand", now=NOW, by="officer")
    projects.docs["by-hand"] = by_hand
    report = load_batch(projects, carriers, request(), now=NOW, plans=plans)
    assert report["registered_before"] == [3] and report["stored"] == 29
    assert all(p.get("project_id") != seed_project_id(2025, 3)
               for _, p in carriers.facts())  # no event for a project it did not store


@pytest.mark.parametrize("bad", [{"seed": 1, "total": 5, "start": 5, "count": 1},
                                 {"seed": 1, "total": 5, "start": 0, "count": 0},
                                 {"seed": "x", "total": 5, "start": 0, "count": 1},
                                 {"seed": 1, "total": 5, "start": 0, "count": 10_000}])
def test_a_bad_batch_request_names_the_field(bad):
    with pytest.raises(ValidationFailed) as refused:
        load_batch(FakeProjects(), FakeCarriers(), bad, now=NOW, plans=plans)
    assert refused.value.details
