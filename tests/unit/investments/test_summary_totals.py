"""Stored region totals corrected by the projects written since equal the summary added up from
every project (``domain.region_summary``), whatever was folded and whatever changed after."""
import random
from decimal import Decimal

from services.investments import domain
from services.investments.domain import summary_totals
from services.investments.domain.reference import SECTORS, STAGES


def _stored_project(rng: random.Random) -> dict:
    """A project as the store holds it: money in tiyn."""
    return {"stage": rng.choice(sorted(STAGES)), "sector": rng.choice(sorted(SECTORS)),
            "cost_kzt": rng.randrange(0, 10**14), "jobs_planned": rng.randrange(0, 500),
            "jobs_created": rng.randrange(0, 500),
            "invested_to_date_kzt": rng.choice([None, rng.randrange(0, 10**13)]),
            "priority": rng.random() < 0.3}


def _as_domain(stored: dict) -> dict:
    """The same project as ``region_summary`` reads it (money as Decimal KZT)."""
    return {**stored, "cost_kzt": Decimal(stored["cost_kzt"]).scaleb(-2),
            "invested_to_date_kzt": (None if stored["invested_to_date_kzt"] is None
                                     else Decimal(stored["invested_to_date_kzt"]).scaleb(-2))}


def test_corrected_totals_equal_the_sum_over_every_project_after_random_changes():
    rng = random.Random(7)
    for _ in range(30):
        projects = [_stored_project(rng) for _ in range(rng.randrange(0, 40))]
        # the totals fold a random subset of the projects as they were then ...
        folded = {i: summary_totals.contribution(p) for i, p in enumerate(projects)
                  if rng.random() < 0.6}
        totals = summary_totals.empty_totals()
        for contrib in folded.values():
            summary_totals.add(totals, contrib)
        # ... then some of the folded ones change (stage moves, progress) and new ones arrive
        for i in list(folded):
            if rng.random() < 0.4:
                projects[i] = _stored_project(rng)
        written = [i for i in range(len(projects)) if i not in folded
                   or summary_totals.contribution(projects[i]) != folded[i]]
        corrections = [(summary_totals.contribution(projects[i]), folded.get(i)) for i in written]
        got = summary_totals.as_summary(summary_totals.corrected(totals, corrections))
        assert got == domain.region_summary([_as_domain(p) for p in projects])


def test_a_stage_move_takes_the_project_from_one_stage_bucket_to_the_other():
    project = {"stage": "proposed", "sector": "energy", "cost_kzt": 150, "jobs_planned": 3,
               "jobs_created": 0, "invested_to_date_kzt": 0, "priority": True}
    totals = summary_totals.empty_totals()
    summary_totals.add(totals, summary_totals.contribution(project))
    moved = summary_totals.contribution({**project, "stage": "appraised"})
    got = summary_totals.as_summary(summary_totals.corrected(
        totals, [(moved, summary_totals.contribution(project))]))
    assert got["by_stage"]["proposed"]["count"] == 0
    assert got["by_stage"]["appraised"] == {"count": 1, "cost_kzt": Decimal("1.50"),
                                            "jobs_planned": 3, "jobs_created": 0,
                                            "invested_to_date_kzt": Decimal("0.00"),
                                            "priority_count": 1}
    assert got["total"]["count"] == 1 and totals["total"]["count"] == 1  # the input is kept


def test_a_project_not_yet_in_the_totals_is_only_added():
    project = {"stage": "proposed", "sector": "energy", "cost_kzt": 1, "jobs_planned": 0,
               "jobs_created": 0, "invested_to_date_kzt": None, "priority": False}
    got = summary_totals.corrected(summary_totals.empty_totals(),
                                   [(summary_totals.contribution(project), None)])
    assert got["total"]["count"] == 1 and got["by_sector"]["energy"]["cost_kzt"] == 1
