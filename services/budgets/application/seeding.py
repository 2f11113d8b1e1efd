"""The bulk path of the budgets demo seed: the data made in the service, stored in bulk.

``regionctl seed`` used to send the demo budgets command by command: 40 transfer records (each
recalculating its region's indicators), nine batches of 5,000 revenue lines through
``record_lines`` (each loading every line through the RPC schema and recalculating the indicators
of the regions it touched), 80 blocks with three bookings and a move each (400 commands of five
store round trips), and 80 forecast bases (one versioned write each): 388 s on this machine.

Here the service builds the same data with the same generators and the same domain commands, in
parts that write documents of their own (``SEED_PARTS``; the CLI calls them side by side):

- ``lines``: the transfers, then the lines in the very batches of the old path (same batch ids,
  ``demo-<seed>-<n>``, the same ``revenue_batch_imported`` fact per batch, a replayed batch is a
  no-op), then every seeded (region, year) recalculated once, with the same facts (a pair whose
  figures did not change emits nothing, so a re-run is silent). A pair the seed filled alone is
  computed from the lines it wrote (``FreshPairs``: reading 43,000 lines back from FerretDB
  takes 12 s here); any other pair is read back from the store;
- ``blocks``: each block made by the domain commands in order (create, the bookings, the move),
  its facts stored in the outbox of carrier documents (``seed_batches``) whose insert commits
  them, then the blocks in one ``insert_missing``; a block stored already is left as it is;
- ``forecasts``: each region's four baselines applied to its stored forecast in one versioned
  write (retried on a concurrent change, as every forecast command is).

Only the intermediate indicator figures of the old path (one recalculation per batch) are not
published: the last figures and their facts are the same.
"""
import hashlib
from datetime import datetime

import eventlet

from services.budgets.application import seed as demo
from services.budgets.application.forecast import Forecasts
from services.budgets.application.lines import RevenueLines
from services.budgets.application.recalculation import FreshPairs, Stores, recalculate
from services.budgets.contract.rpc import BlockCreateSchema, BlockExecutionSchema, BlockMoveSchema
from services.budgets.domain.blocks import (
    block_id,
    block_move_rejected_fact,
    create_block,
    move_between_lines,
    record_execution,
)
from services.budgets.domain.forecast import set_base_forecast
from services.common.errors import DuplicateKey, RuleViolation, ValidationFailed
from services.common.loading import load

SEED_PARTS = ("lines", "blocks", "forecasts")
SEED_BATCH_LINES = 5000  # the old path's RPC batch: the same batch ids and batch facts
EVENTS_PER_CARRIER = 200
STORE_CONCURRENCY = 8  # forecasts and indicator documents written at once (one document each)
LINE_BATCH_CONCURRENCY = 3  # demo line batches written at once


def demo_batches(seed: int, years, executed_through) -> list[tuple[str, list[dict]]]:
    """``(batch_id, lines)`` of the demo revenue lines, as ``regionctl seed`` batched them."""
    lines = list(demo.seed_revenue_lines(seed, years, executed_through))
    return [(f"demo-{seed}-{n}", lines[start:start + SEED_BATCH_LINES])
            for n, start in enumerate(range(0, len(lines), SEED_BATCH_LINES))]


def build_block(plan: dict, now: datetime) -> tuple[dict, int, list]:
    """A demo block after its commands, as ``create_block``, ``record_block_execution`` and
    ``move_block_funds`` leave it one at a time: ``(block, version, facts in order)``.

    Each input goes through the RPC's own schema; each command that changes the block adds one
    to its version (``save_versioned``); a refused move keeps its ``block_move_rejected`` fact and
    leaves the block as it was, as the command does."""
    block, facts = create_block(load(BlockCreateSchema, plan["block"], message="invalid block"),
                                now)
    version = 1
    facts = list(facts)
    for line_id, amount in plan["executions"]:
        fields = load(BlockExecutionSchema, {"block_id": block["block_id"], "line_id": line_id,
                                             "amount_kzt": amount}, message="invalid execution")
        new, more = record_execution(block, fields["line_id"], fields["amount_kzt"])
        block, version, facts = _applied(block, new, version, facts, more)
    for move in plan["moves"]:
        data = {"block_id": block["block_id"], **move}
        fields = load(BlockMoveSchema, data, message="invalid move")
        try:
            new, more = move_between_lines(block, fields["from_line"], fields["to_line"],
                                           fields["amount_kzt"], now=now,
                                           move_id=fields.get("move_id"))
        except RuleViolation as violation:
            facts.append(block_move_rejected_fact(block, data, violation))
            continue
        block, version, facts = _applied(block, new, version, facts, more)
    return block, version, facts


def _applied(block, new, version, facts, more):
    if new is block or new == block:  # nothing changed: the command writes nothing
        return block, version, facts
    return new, version + 1, facts + list(more)


def forecast_bases(region_code: str, bases) -> callable:
    """The forecast command setting ``bases`` (``[(year, amount)]``) in order, as one change."""
    def change(current):
        facts = []
        for year, amount in bases:
            current, more = set_base_forecast(current, region_code, year, amount)
            facts += more
        return current, facts
    return change


def checked_request(request) -> dict:
    problems = {}
    if not isinstance(request, dict):
        raise ValidationFailed("invalid seed request", {"request": ["an object"]})
    if request.get("part") not in SEED_PARTS:
        problems["part"] = [f"one of {list(SEED_PARTS)}"]
    if not isinstance(request.get("seed"), int) or isinstance(request.get("seed"), bool):
        problems["seed"] = ["an integer"]
    years = request.get("years")
    if not (isinstance(years, list) and years and all(isinstance(y, int) for y in years)):
        problems["years"] = ["a list of years"]
    through = request.get("executed_through")
    if not (isinstance(through, dict) and all(isinstance(v, int) and 0 <= v <= 12
                                               for v in through.values())):
        problems["executed_through"] = ["months executed by year, 0 to 12"]
    if problems:
        raise ValidationFailed("invalid seed request", problems)
    return {**request, "executed_through": {int(y): m for y, m in through.items()}}


class BudgetsSeeding:
    def __init__(self, stores: Stores, imports, blocks, forecasts, seed_batches):
        self.stores, self.imports = stores, imports
        self.blocks, self.forecasts, self.seed_batches = blocks, forecasts, seed_batches

    def load_seed(self, request, now: datetime) -> dict:
        request = checked_request(request)
        seed, years = request["seed"], request["years"]
        through = request["executed_through"]
        return getattr(self, f"_{request['part']}")(seed, years, through, now)

    def _lines(self, seed, years, through, now) -> dict:
        for record in demo.seed_transfers(years):
            self.stores.transfers.put(record, now)
        revenue = RevenueLines(self.stores, self.imports)
        fresh = FreshPairs(self.stores.lines)
        report = {"batches": 0, "replayed": 0, "lines": 0, "inserted": 0}
        pairs = set()
        batches = demo_batches(seed, years, through)
        # every pair's first touch is looked at before any batch writes (what the batches would
        # find one after another, as no earlier batch writes a pair a later one touches first),
        # so the batches may then go to the store side by side
        for _, lines in batches:
            fresh.before_batch(lines)

        def record(batch):
            batch_id, lines = batch
            return revenue.record_lines({"batch_id": batch_id, "lines": lines},
                                        created_by="seed", fresh=fresh)

        # one insert_many of 5,000 lines keeps one store connection (and on FerretDB about one
        # core) busy: a few at once keep both the store's cores and this service working
        recorded = eventlet.GreenPool(LINE_BATCH_CONCURRENCY).imap(record, batches)
        for (_, lines), done in zip(batches, recorded, strict=True):
            report["batches"] += 1
            report["replayed"] += int(done["replayed"])
            report["lines"] += len(lines)
            report["inserted"] += done["lines_inserted"]
            pairs |= {(line["region_code"], line["fiscal_year"]) for line in lines}
        # once, after the last batch: a pair the seed filled alone is computed from what it wrote
        # (FreshPairs proves it), any other is read back from the store
        results = recalculate(self.stores, pairs, now, accumulated=fresh.accumulated,
                              accumulated_by_month=fresh.accumulated_by_month,
                              store_concurrency=STORE_CONCURRENCY)
        report["indicator_pairs"] = len(results)
        report["pairs_read_back"] = sum(1 for pair in pairs if fresh.accumulated(pair) is None)
        return report

    def _blocks(self, seed, years, through, now) -> dict:
        plans = demo.seed_blocks(seed, years, through)
        ids = [block_id(p["block"]["spending_body"], p["block"]["region_code"],
                        p["block"]["fiscal_year"]) for p in plans]
        stored = self.blocks.existing_ids(ids)
        built = [build_block(plan, now) for plan, bid in zip(plans, ids, strict=True)
                 if bid not in stored]
        facts = [fact for _, _, block_facts in built for fact in block_facts]
        events = self._carry(facts, "blocks", [b["block_id"] for b, _, _ in built])
        inserted, existing = self.blocks.insert_missing(
            [dict(block, version=version) for block, version, _ in built])
        return {"stored": inserted, "existing": existing + len(stored), "events": events}

    def _forecasts(self, seed, years, through, now) -> dict:
        by_region: dict = {}
        for region_code, year, amount in demo.seed_forecast_bases():
            by_region.setdefault(region_code, []).append((year, amount))
        forecasts = Forecasts(self.forecasts)
        pool = eventlet.GreenPool(STORE_CONCURRENCY)
        list(pool.imap(lambda item: forecasts.change(item[0], forecast_bases(*item)),
                       by_region.items()))
        return {"regions": len(by_region)}

    def _carry(self, facts, kind: str, ids) -> int:
        """Store ``facts`` in carriers named after the documents they belong to; a carrier stored
        already (a re-run) publishes nothing twice."""
        key = hashlib.sha256(",".join(ids).encode()).hexdigest()[:24]
        published = 0
        for part, first in enumerate(range(0, len(facts), EVENTS_PER_CARRIER)):
            some = facts[first:first + EVENTS_PER_CARRIER]
            try:
                self.seed_batches.save_new({"batch_id": f"{kind}:{key}:{part}", "kind": kind},
                                           some)
                published += len(some)
            except DuplicateKey:
                pass
        return published
