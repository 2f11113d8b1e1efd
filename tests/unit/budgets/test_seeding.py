"""The budgets demo seed's bulk builders make what the one-by-one commands make: the same block
documents, versions and facts as ``create_block`` + ``record_block_execution`` +
``move_block_funds`` through ``application.blocks``; the same forecast and facts as one
``set_base`` per year; the same line batches (ids and lines) as the old RPC batching."""
import copy
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.budgets.application import seed as demo
from services.budgets.application.blocks import Blocks
from services.budgets.application.forecast import Forecasts
from services.budgets.application.seeding import (
    SEED_BATCH_LINES,
    build_block,
    checked_request,
    demo_batches,
    forecast_bases,
)
from services.budgets.contract.rpc import BlockCreateSchema, BlockExecutionSchema, BlockMoveSchema
from services.common.errors import NotFound, ValidationFailed
from services.common.loading import load

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
THROUGH = {2025: 12, 2026: 11}


class MemoryBlocks:
    """The block repository's contract in memory: versions as ``save_versioned`` keeps them."""

    def __init__(self):
        self.docs, self.facts = {}, []

    def create(self, block, facts=()):
        self.docs[block["block_id"]] = (copy.deepcopy(block), 1)
        self.facts += list(facts)
        return block

    def load(self, block_id):
        if block_id not in self.docs:
            raise NotFound("no block", {"id": block_id})
        doc, version = self.docs[block_id]
        return copy.deepcopy(doc), version

    def save(self, block, expected_version, facts=()):
        assert self.docs[block["block_id"]][1] == expected_version
        self.docs[block["block_id"]] = (copy.deepcopy(block), expected_version + 1)
        self.facts += list(facts)
        return block

    def record_rejection(self, block_id, facts):
        self.facts += list(facts)


class MemoryForecasts:
    def __init__(self, doc=None, version=None):
        self.doc, self.version, self.facts, self.writes = doc, version, [], 0

    def load(self, region_code):
        return copy.deepcopy(self.doc), self.version

    def store(self, doc, expected_version, facts):
        assert expected_version == self.version
        self.doc, self.version = copy.deepcopy(doc), (expected_version or 0) + 1
        self.facts += list(facts)
        self.writes += 1
        return doc


def one_by_one(plan, monkeypatch) -> MemoryBlocks:
    """What the old seed's RPCs did to ``plan``, through the same schemas and use cases."""
    monkeypatch.setattr("services.budgets.application.blocks.now_utc", lambda: NOW)
    repo = MemoryBlocks()
    blocks = Blocks(repo)
    block = blocks.create(load(BlockCreateSchema, plan["block"]))
    for line_id, amount in plan["executions"]:
        blocks.record_execution(load(BlockExecutionSchema, {
            "block_id": block["block_id"], "line_id": line_id, "amount_kzt": amount}))
    for move in plan["moves"]:
        data = {"block_id": block["block_id"], **move}
        try:
            blocks.move(load(BlockMoveSchema, data), data)
        except Exception as refused:  # the command stored its rejection fact, then refused
            assert refused.__class__.__name__ == "RuleViolation"
    return repo


def test_every_demo_block_is_the_block_its_commands_leave(monkeypatch):
    plans = demo.seed_blocks(2025, (2025, 2026), THROUGH)
    assert len(plans) == 80
    for plan in plans:
        block, version, facts = build_block(plan, NOW)
        expected = one_by_one(plan, monkeypatch)
        stored, stored_version = expected.docs[block["block_id"]]
        assert block == stored
        assert version == stored_version == 1 + len(plan["executions"]) + len(plan["moves"])
        assert facts == expected.facts


def test_a_refused_move_keeps_its_fact_and_leaves_the_block(monkeypatch):
    plan = copy.deepcopy(demo.seed_blocks(2025, (2025,), THROUGH)[0])
    plan["moves"][0]["amount_kzt"] = "999999999999999.00"  # more than the line holds
    block, version, facts = build_block(plan, NOW)
    expected = one_by_one(plan, monkeypatch)
    assert (block, version) == expected.docs[block["block_id"]]
    assert version == 1 + len(plan["executions"])
    assert [f[0] for f in facts] == ["block_move_rejected"] == [f[0] for f in expected.facts]
    assert facts == expected.facts
    assert block["moves"] == []


@pytest.mark.parametrize("existing", [None, "with_contribution"])
def test_forecast_bases_in_one_write_equal_one_set_base_per_year(existing):
    from services.budgets.domain.forecast import apply_commissioned_project
    start = None
    if existing:  # investments' events may arrive before the budgets seed
        start, _ = apply_commissioned_project(None, {
            "project_id": "P-1", "region_code": "KZ-61", "commissioned_on": "2026-05-10",
            "expected_annual_local_revenue_kzt": "1000000.00"})
    bases = [(year, amount) for region, year, amount in demo.seed_forecast_bases()
             if region == "KZ-61"]
    assert [y for y, _ in bases] == [2027, 2028, 2029, 2030]
    single = MemoryForecasts(start, 3 if start else None)
    for year, amount in bases:
        Forecasts(single).set_base("KZ-61", year, amount)
    bulk = MemoryForecasts(start, 3 if start else None)
    Forecasts(bulk).change("KZ-61", forecast_bases("KZ-61", bases))
    assert bulk.doc == single.doc
    assert bulk.facts == single.facts and len(bulk.facts) == 4
    assert (bulk.writes, single.writes) == (1, 4)
    assert bulk.doc["base_kzt"]["2030"] == Decimal(bases[-1][1])
    again = MemoryForecasts(bulk.doc, bulk.version)  # a re-run sets the same values: no write
    Forecasts(again).change("KZ-61", forecast_bases("KZ-61", bases))
    assert (again.writes, again.facts) == (0, [])


def test_line_batches_are_the_old_rpc_batches():
    lines = list(demo.seed_revenue_lines(2025, (2025, 2026), THROUGH))
    batches = demo_batches(2025, (2025, 2026), THROUGH)
    assert [batch_id for batch_id, _ in batches] == [f"demo-2025-{n}" for n in range(len(batches))]
    assert len(batches) == -(-len(lines) // SEED_BATCH_LINES) == 9
    assert [line for _, batch in batches for line in batch] == lines
    assert all(len(batch) == SEED_BATCH_LINES for _, batch in batches[:-1])


@pytest.mark.parametrize("request_, field", [
    ({"part": "everything", "seed": 1, "years": [2025], "executed_through": {}}, "part"),
    ({"part": "lines", "seed": "1", "years": [2025], "executed_through": {}}, "seed"),
    ({"part": "lines", "seed": 1, "years": [], "executed_through": {}}, "years"),
    ({"part": "lines", "seed": 1, "years": [2025], "executed_through": {"2025": 13}},
     "executed_through"),
])
def test_a_bad_seed_request_names_its_field(request_, field):
    with pytest.raises(ValidationFailed) as refused:
        checked_request(request_)
    assert list(refused.value.details) == [field]


def test_a_good_seed_request_keys_months_by_year():
    checked = checked_request({"part": "blocks", "seed": 7, "years": [2025, 2026],
                               "executed_through": {"2025": 12, "2026": 3}})
    assert checked["executed_through"] == {2025: 12, 2026: 3}
