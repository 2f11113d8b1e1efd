"""Block budgets: create, allocate, move, record execution, carry over.

Every command reads the block with its version and writes it back only if nobody changed it in
between (``save_versioned``); on a concurrent change the command is applied again to the fresh
block. A move refused by a rule still leaves a fact behind: ``block_move_rejected`` is stored on
the block (no state change) before the refusal is raised, so the hub sees refused moves too.
"""
from services.budgets.domain.blocks import (
    allocate_line,
    block_as_output,
    block_id,
    block_move_rejected_fact,
    carry_over,
    create_block,
    move_between_lines,
    record_execution,
)
from services.common.clock import now_utc
from services.common.errors import DuplicateKey, RuleViolation, StaleVersion, raise_if_problems, require
from services.common.regions import REGIONS

MAX_WRITE_ATTEMPTS = 5


class Blocks:
    """Built per call from the service's block repository."""

    def __init__(self, blocks):
        self.blocks = blocks

    def create(self, fields: dict) -> dict:
        block, facts = create_block(fields, now_utc())
        self.blocks.create(block, facts)
        return block_as_output(block)

    def get(self, target_id) -> dict:
        block, _ = self.blocks.load(target_id)
        return block_as_output(block)

    def list(self, region_code, fiscal_year=None) -> dict:
        problems: dict = {}
        require(region_code in REGIONS, "region_code", "unknown region", problems)
        require(fiscal_year is None or (isinstance(fiscal_year, int)
                                        and not isinstance(fiscal_year, bool)),
                "fiscal_year", "must be a year", problems)
        raise_if_problems(problems, "invalid block query")
        return {"items": [block_as_output(b)
                          for b in self.blocks.list_blocks(region_code, fiscal_year)]}

    def allocate(self, fields: dict) -> dict:
        """Set one line's allocation (a new line is added); the block limit holds."""
        block = self._apply(fields["block_id"], lambda b: allocate_line(
            b, fields["line_id"], fields["allocated_kzt"], name=fields.get("name")))
        return block_as_output(block)

    def record_execution(self, fields: dict) -> dict:
        block = self._apply(fields["block_id"], lambda b: record_execution(
            b, fields["line_id"], fields["amount_kzt"]))
        return block_as_output(block)

    def move(self, fields: dict, data: dict) -> dict:
        """Move allocation between two lines of a block; a refused move raises (409 with the
        figures) after storing ``block_move_rejected`` (``data`` is the request as sent)."""
        at = now_utc()

        def move(block):
            try:
                return move_between_lines(block, fields["from_line"], fields["to_line"],
                                          fields["amount_kzt"], now=at,
                                          move_id=fields.get("move_id"))
            except RuleViolation as violation:
                fact = block_move_rejected_fact(block, data, violation)
                self.blocks.record_rejection(block["block_id"], [fact])
                raise

        return block_as_output(self._apply(fields["block_id"], move))

    def carry_over(self, fields: dict) -> dict:
        """Carry a closed year's unspent balance into next year's block (once)."""
        for attempt in range(MAX_WRITE_ATTEMPTS):
            block, version = self.blocks.load(fields["block_id"])
            next_id = block_id(block["spending_body"], block["region_code"],
                               block["fiscal_year"] + 1)
            target, target_version = self.blocks.find(next_id)
            source, new_target, facts = carry_over(block, target, now=now_utc())
            try:
                # next year's block first: a crash in between is finished by a repeated call
                if new_target != target:
                    if target_version is None:
                        self.blocks.create(new_target, facts)
                    else:
                        self.blocks.save(new_target, target_version, facts)
                if source != block:
                    self.blocks.save(source, version)
                return {"block": block_as_output(source),
                        "next_block": block_as_output(new_target)}
            except (StaleVersion, DuplicateKey):
                if attempt == MAX_WRITE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _apply(self, target_id: str, command) -> dict:
        """Load, apply the domain command, save versioned; again on a concurrent change."""
        for attempt in range(MAX_WRITE_ATTEMPTS):
            block, version = self.blocks.load(target_id)
            new, facts = command(block)
            if new is block or new == block:
                return block
            try:
                return self.blocks.save(new, version, facts)
            except StaleVersion:
                if attempt == MAX_WRITE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
