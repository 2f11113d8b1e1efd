"""The budgets demo seed's bulk path against the real store and broker (one year, one month
executed: 12,615 lines): what it stores is what the one-by-one commands leave (indicators equal a
recalculation from the stored lines, blocks equal their commands' result), it publishes one
``revenue_batch_imported`` per batch and one ``indicators_recalculated`` per pair, and a re-run
stores and publishes nothing more."""
import pytest

from services.budgets.application import seed as demo
from services.budgets.application.recalculation import Stores, compute_as_of
from services.budgets.application.seeding import build_block, demo_batches
from services.budgets.repository.lines import RevenueLineRepository
from services.budgets.repository.state import (
    BlockRepository,
    IndicatorsRepository,
    TransfersRepository,
)
from services.common.regions import REGIONS
from tests.support import wait_until
from tests.support.budgets import budgets, budgets_db, events, rpc  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

SEED = {"seed": 2025, "years": [2026], "executed_through": {"2026": 1}}


def seed(container, part):
    return rpc(container, "load_seed", {**SEED, "part": part})


def test_bulk_seed_stores_what_the_commands_would_and_runs_again_as_a_no_op(
        budgets, budgets_db, events):
    batches = demo_batches(2025, [2026], {2026: 1})
    lines = seed(budgets, "lines")
    assert (lines["batches"], lines["replayed"], lines["lines"]) == (len(batches), 0, 12_615)
    assert lines["indicator_pairs"] == 20 and lines["pairs_read_back"] == 0
    assert budgets_db.revenue_lines.count_documents({}) == 12_615

    stores = Stores(RevenueLineRepository(budgets_db), IndicatorsRepository(budgets_db),
                    TransfersRepository(budgets_db))
    for region_code in REGIONS:
        stored, version = stores.indicators.load(region_code, 2026)
        recomputed = compute_as_of(stores, region_code, 2026, "Y")
        assert {k: stored[k] for k in recomputed} == recomputed, region_code
        assert version == 1
    indicator_events = wait_until(lambda: (found := events.of_type("indicators_recalculated"))
                                  and len(found) >= 20 and found, message="indicator events")
    assert sorted(e["region_code"] for e in indicator_events) == sorted(REGIONS)
    assert len(events.of_type("revenue_batch_imported")) == len(batches)

    blocks = seed(budgets, "blocks")
    assert (blocks["stored"], blocks["existing"]) == (40, 0)
    repo = BlockRepository(budgets_db)
    for plan in demo.seed_blocks(2025, [2026], {2026: 1})[:6]:
        built, version, _ = build_block(plan, _created_at(repo, plan))
        stored, stored_version = repo.load(built["block_id"])
        assert stored.pop("version") == stored_version == version
        assert stored == built
    assert seed(budgets, "forecasts") == {"regions": 20}
    forecast = budgets_db.forecasts.find_one({"_id": "KZ-61"})
    assert sorted(forecast["base_kzt"]) == ["2027", "2028", "2029", "2030"]

    seen = len(events.drain(timeout=1.0))
    again = seed(budgets, "lines")
    assert (again["replayed"], again["pairs_read_back"]) == (len(batches), 20)
    assert seed(budgets, "blocks")["existing"] == 40
    seed(budgets, "forecasts")
    assert budgets_db.revenue_lines.count_documents({}) == 12_615
    assert all(stores.indicators.load(r, 2026)[1] == 1 for r in REGIONS)
    assert budgets_db.forecasts.find_one({"_id": "KZ-61"})["version"] == forecast["version"]
    assert len(events.drain(timeout=2.0)) == seen  # nothing published twice


def _created_at(repo, plan):
    """The time the bulk path built the block with (its ``created_at``), to rebuild it."""
    from datetime import datetime

    from services.budgets.domain.blocks import block_id
    bid = block_id(plan["block"]["spending_body"], plan["block"]["region_code"],
                   plan["block"]["fiscal_year"])
    stored, _ = repo.load(bid)
    return datetime.fromisoformat(stored["created_at"])
