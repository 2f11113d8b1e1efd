"""A region's project buckets give the same figures as the row-by-row computation (pure)."""
import json
import random
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.gateway.hub.reference import PIPELINE_STAGES
from services.gateway.hub.region_totals import (
    buckets_from_rows,
    decode_buckets,
    encode_buckets,
    figures_from_buckets,
    merge_buckets,
    summary_from_buckets,
)
from services.gateway.hub.rules import HubSettings
from services.gateway.hub.scorecards import RegionFacts, project_figures, region_scorecard, rollup
from services.gateway.routes.hub import totals_interval_seconds
from services.investments.contract.codes import SECTORS as CONTRACT_SECTORS
from services.investments.contract.codes import STAGES

SECTORS = ("manufacturing", "agriculture", "energy", None)

cents = st.integers(min_value=0, max_value=10**15).map(lambda c: Decimal(c) / 100)
rows = st.lists(st.fixed_dictionaries({
    "stage": st.sampled_from(PIPELINE_STAGES),
    "suspended_from": st.one_of(st.none(), st.sampled_from(PIPELINE_STAGES)),
    "sector": st.sampled_from(SECTORS),
    "priority": st.booleans(),
    # the store hands money back as strings or Decimals; missing amounts count as zero
    "cost_kzt": st.one_of(cents, cents.map(str)),
    "invested_to_date_kzt": st.one_of(st.none(), cents, cents.map(str)),
    "jobs_planned": st.one_of(st.none(), st.integers(0, 10**6)),
    "jobs_created": st.integers(0, 10**6),
}), max_size=60)
configs = st.builds(
    HubSettings,
    committed_stages=st.lists(st.sampled_from(PIPELINE_STAGES), unique=True).map(tuple),
    commissioned_stages=st.lists(st.sampled_from(PIPELINE_STAGES), unique=True).map(tuple))


@settings(max_examples=300, deadline=None)
@given(rows, configs)
def test_figures_from_buckets_equal_the_row_by_row_figures(project_rows, config):
    assert figures_from_buckets(buckets_from_rows(project_rows), config) == \
        project_figures(project_rows, config)


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=4))
def test_rollup_of_totals_documents_equals_the_rollup_of_rows(regions):
    by_rows = [RegionFacts(f"KZ-{i}", projects=r) for i, r in enumerate(regions)]
    by_totals = [RegionFacts(f"KZ-{i}", project_totals={
        "buckets": buckets_from_rows(r), "computed_at": None, "from": "read_model"})
        for i, r in enumerate(regions)]
    today = date(2026, 11, 26)
    assert rollup(by_totals, today, True)["projects"] == rollup(by_rows, today, True)["projects"]


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, min_size=1, max_size=5))
def test_merged_buckets_of_batches_equal_the_buckets_of_all_their_rows(batches):
    merged = merge_buckets(*(buckets_from_rows(batch) for batch in batches))
    assert merged == buckets_from_rows([row for batch in batches for row in batch])


@settings(max_examples=60, deadline=None)
@given(rows)
def test_the_stored_text_gives_back_the_same_buckets(project_rows):
    buckets = buckets_from_rows(project_rows)
    stored = encode_buckets(buckets)
    assert isinstance(stored, str)
    assert decode_buckets(stored) == buckets
    assert decode_buckets(buckets) == buckets  # a document stored as nested buckets before


@settings(max_examples=25, deadline=None)
@given(st.lists(rows, min_size=1, max_size=20), configs)
def test_the_national_rollup_from_stored_totals_equals_the_sum_over_every_row(regions, config):
    """The roll-up of 1-20 regions computed from their stored text (as the gateway reads it)
    equals the row-by-row figures over every region's rows together."""
    facts = [RegionFacts(f"KZ-{i}", project_totals={
        "buckets": decode_buckets(encode_buckets(buckets_from_rows(r))), "computed_at": None,
        "from": "read_model"}) for i, r in enumerate(regions)]
    today = date(2026, 11, 26)
    rolled = rollup(facts, today, True, config)["projects"]
    every_row = [row for region_rows in regions for row in region_rows]
    assert rolled == rollup([RegionFacts("KZ", projects=every_row)], today, True,
                            config)["projects"]
    assert rolled["total"] == len(every_row)


def test_the_stored_text_is_a_fraction_of_the_nested_buckets():
    rng = random.Random(3)
    project_rows = [{"stage": stage, "suspended_from": "approved" if stage == "suspended" else None,
                     "sector": sector, "priority": rng.random() < 0.3,
                     "cost_kzt": f"{rng.randint(1, 10**9)}.37", "invested_to_date_kzt": "1.00",
                     "jobs_planned": 3, "jobs_created": 1}
                    for stage in PIPELINE_STAGES for sector in CONTRACT_SECTORS for _ in range(5)]
    buckets = buckets_from_rows(project_rows)
    assert len(buckets) == len(PIPELINE_STAGES) * len(CONTRACT_SECTORS)
    nested = json.dumps(buckets)
    assert len(encode_buckets(buckets)) < len(nested) * 0.5


def test_buckets_are_few_and_count_what_the_region_summary_needs():
    rng = random.Random(7)
    project_rows = [{"stage": rng.choice(("proposed", "approved", "suspended")),
                     "suspended_from": "approved", "sector": rng.choice(("energy", "agriculture")),
                     "priority": i % 3 == 0, "cost_kzt": "10.05", "invested_to_date_kzt": None,
                     "jobs_planned": 2, "jobs_created": 1} for i in range(5000)]
    buckets = buckets_from_rows(project_rows)
    assert len(buckets) <= 6  # 3 stages x 2 sectors: a document of a few hundred bytes
    assert sum(b["count"] for b in buckets) == 5000
    assert sum(b["priority_count"] for b in buckets) == 1667
    assert sum(Decimal(b["cost_kzt"]) for b in buckets) == Decimal("50250.00")
    # suspended_from is kept only on suspended buckets (it decides what is committed)
    assert {b["suspended_from"] for b in buckets if b["stage"] != "suspended"} == {None}


def test_a_scorecard_from_a_totals_document_says_when_and_from_what():
    stamp = datetime(2026, 11, 26, 8, tzinfo=timezone.utc)
    facts = RegionFacts("KZ-35", project_totals={
        "buckets": buckets_from_rows([{"stage": "approved", "cost_kzt": "5.00",
                                       "jobs_planned": 1, "jobs_created": 0}]),
        "computed_at": stamp, "from": "read_model"})
    card = region_scorecard(facts, date(2026, 11, 26))
    assert card["projects"]["investment_committed_kzt"] == "5.00"
    assert card["project_totals"] == {"computed_at": "2026-11-26T08:00:00+00:00",
                                      "from": "read_model", "stale": False}
    assert region_scorecard(RegionFacts("KZ-35"), date(2026, 11, 26))["project_totals"] is None


investment_rows = st.lists(st.fixed_dictionaries({
    "stage": st.sampled_from(PIPELINE_STAGES),
    "suspended_from": st.one_of(st.none(), st.sampled_from(PIPELINE_STAGES)),
    "sector": st.sampled_from(sorted(CONTRACT_SECTORS)),
    "priority": st.booleans(),
    "cost_kzt": cents.map(str),
    "invested_to_date_kzt": st.one_of(st.none(), cents.map(str)),
    "jobs_planned": st.integers(0, 10**6),
    "jobs_created": st.integers(0, 10**6),
}), max_size=60)


@settings(max_examples=200, deadline=None)
@given(investment_rows)
def test_the_region_summary_from_buckets_equals_the_investments_computation(project_rows):
    from services.investments.domain.queries import region_summary
    assert summary_from_buckets(buckets_from_rows(project_rows), STAGES,
                                sorted(CONTRACT_SECTORS)) == region_summary(project_rows)


def test_the_totals_timer_interval_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("HUB_TOTALS_INTERVAL_SECONDS", raising=False)
    assert totals_interval_seconds() == 2.0
    monkeypatch.setenv("HUB_TOTALS_INTERVAL_SECONDS", "0.5")
    assert totals_interval_seconds() == 0.5
    for bad in ("0", "-1", "soon"):
        monkeypatch.setenv("HUB_TOTALS_INTERVAL_SECONDS", bad)
        with pytest.raises(ValueError, match="HUB_TOTALS_INTERVAL_SECONDS"):
            totals_interval_seconds()


def test_the_totals_staleness_bound_is_read_from_the_environment(monkeypatch):
    from services.gateway.hub.region_totals_repository import max_staleness_seconds
    monkeypatch.delenv("HUB_TOTALS_MAX_STALENESS_SECONDS", raising=False)
    assert max_staleness_seconds() == 0.0
    monkeypatch.setenv("HUB_TOTALS_MAX_STALENESS_SECONDS", "15")
    assert max_staleness_seconds() == 15.0
    for bad in ("-1", "3601", "soon"):
        monkeypatch.setenv("HUB_TOTALS_MAX_STALENESS_SECONDS", bad)
        with pytest.raises(ValueError, match="HUB_TOTALS_MAX_STALENESS_SECONDS"):
            max_staleness_seconds()
