"""Block budgets (Budget Code 2025, Art. 170): a spending body manages funds within a block against
a limit and targets instead of line by line (pure rules).

Block document::

    {block_id, spending_body, region_code, fiscal_year, limit_kzt,
     targets: [{indicator, target_value}],
     lines: {line_id: {name, allocated_kzt, executed_kzt}},
     carry_ins: {source_block_id: amount_kzt},      # unspent balances brought from last year
     carried_over: None | {to_block_id, amount_kzt, at},
     moves: [{move_id, from_line, to_line, amount_kzt, at}],
     created_at}

Invariants every command keeps: total allocated ≤ limit; a line's executed ≤ its allocation.
A command that would break one raises ``RuleViolation`` with ``details['rule']`` =
``"block_limit"`` or ``"insufficient_line_balance"`` and the numbers as decimal strings; the
service turns a rejected move into a ``block_move_rejected`` fact (:func:`block_move_rejected_fact`).
"""
import copy
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from services.budgets.domain.settings import DEFAULT_SETTINGS, BlockSettings
from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.common.money import ZERO, AmountError, money, money_str, parse_amount
from services.common.regions import REGIONS

DEFAULT_BLOCK_SETTINGS = DEFAULT_SETTINGS.blocks


def block_id(spending_body: str, region_code: str, fiscal_year: int) -> str:
    return f"{spending_body}|{region_code}|{int(fiscal_year)}"


def _text(raw, field: str, problems: dict, max_length: int) -> str | None:
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    require(bool(text), field, "required", problems)
    require(len(text) <= max_length, field, f"at most {max_length} characters", problems)
    return text or None


def _amount(raw, field: str, problems: dict, *, positive: bool = False):
    try:
        value = parse_amount(raw)
    except AmountError as exc:
        require(False, field, str(exc), problems)
        return None
    require(not positive or value > 0, field, "must be greater than zero", problems)
    return value


def _targets(raw, problems: dict, config: BlockSettings) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > config.max_targets:
        require(False, "targets", f"must be a list of at most {config.max_targets} targets", problems)
        return []
    targets = []
    for i, item in enumerate(raw):
        indicator = item.get("indicator") if isinstance(item, dict) else None
        value = item.get("target_value") if isinstance(item, dict) else None
        ok_name = isinstance(indicator, str) and indicator.strip() != ""
        require(ok_name, f"targets.{i}.indicator", "required", problems)
        try:
            number = Decimal(value) if isinstance(value, (str, int, Decimal)) \
                and not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        require(number is not None and number.is_finite(), f"targets.{i}.target_value",
                "must be a decimal number given as a string", problems)
        if ok_name and number is not None and number.is_finite():
            targets.append({"indicator": indicator.strip(), "target_value": number})
    return targets


def summarise(block: dict) -> dict:
    """Totals of a block: limit, allocated, executed, unallocated and unspent (limit − executed)."""
    allocated = sum((ln["allocated_kzt"] for ln in block["lines"].values()), ZERO)
    executed = sum((ln["executed_kzt"] for ln in block["lines"].values()), ZERO)
    return {"limit_kzt": money(block["limit_kzt"]), "allocated_kzt": money(allocated),
            "executed_kzt": money(executed), "unallocated_kzt": money(block["limit_kzt"] - allocated),
            "unspent_kzt": money(block["limit_kzt"] - executed)}


def _check_limit(block: dict) -> None:
    totals = summarise(block)
    if totals["allocated_kzt"] > totals["limit_kzt"]:
        raise RuleViolation("allocations would exceed the block limit", {
            "rule": "block_limit", "block_id": block["block_id"],
            "limit_kzt": money_str(totals["limit_kzt"]),
            "allocated_kzt": money_str(totals["allocated_kzt"]),
            "excess_kzt": money_str(totals["allocated_kzt"] - totals["limit_kzt"])})


def _insufficient(block: dict, line_id: str, requested, available) -> RuleViolation:
    return RuleViolation(f"line {line_id} lacks the amount", {
        "rule": "insufficient_line_balance", "block_id": block["block_id"], "line_id": line_id,
        "requested_kzt": money_str(requested), "available_kzt": money_str(available)})


def create_block(data: dict, now: datetime, config: BlockSettings = DEFAULT_BLOCK_SETTINGS
                 ) -> tuple[dict, list]:
    """A new block from ``{spending_body, region_code, fiscal_year, limit_kzt, targets, lines}``.

    ``lines`` is a list of ``{line_id, name, allocated_kzt}``; their total must fit the limit.
    """
    problems: dict = {}
    body = _text(data.get("spending_body"), "spending_body", problems, config.max_name_length)
    # "|" separates the parts of a block id.
    require(body is None or "|" not in body, "spending_body", "must not contain '|'", problems)
    region_code = data.get("region_code")
    require(region_code in REGIONS, "region_code", "unknown region", problems)
    year = data.get("fiscal_year")
    rules = config.line_rules
    require(isinstance(year, int) and not isinstance(year, bool)
            and rules.min_fiscal_year <= year <= rules.max_fiscal_year, "fiscal_year",
            f"must be between {rules.min_fiscal_year} and {rules.max_fiscal_year}", problems)
    limit = _amount(data.get("limit_kzt"), "limit_kzt", problems)
    targets = _targets(data.get("targets"), problems, config)
    raw_lines = data.get("lines") or []
    lines: dict = {}
    if not isinstance(raw_lines, list) or len(raw_lines) > config.max_lines:
        require(False, "lines", f"must be a list of at most {config.max_lines} lines", problems)
        raw_lines = []
    for i, item in enumerate(raw_lines):
        item = item if isinstance(item, dict) else {}
        line_id = _text(item.get("line_id"), f"lines.{i}.line_id", problems, config.max_name_length)
        name = _text(item.get("name", line_id), f"lines.{i}.name", problems, config.max_name_length)
        allocated = _amount(item.get("allocated_kzt", "0"), f"lines.{i}.allocated_kzt", problems)
        require(line_id not in lines, f"lines.{i}.line_id", "duplicate line id", problems)
        if line_id and allocated is not None:
            lines[line_id] = {"name": name, "allocated_kzt": allocated, "executed_kzt": ZERO}
    raise_if_problems(problems, "invalid block")
    block = {"block_id": block_id(body, region_code, year), "spending_body": body,
             "region_code": region_code, "fiscal_year": year, "limit_kzt": limit,
             "targets": targets, "lines": lines, "carry_ins": {}, "carried_over": None,
             "moves": [], "created_at": now.isoformat()}
    _check_limit(block)
    return block, []


def _line(block: dict, line_id, field: str) -> dict:
    line = block["lines"].get(line_id) if isinstance(line_id, str) else None
    if line is None:
        raise ValidationFailed("unknown block line", {field: [f"no line {line_id!r} in the block"]})
    return line


def allocate_line(block: dict, line_id: str, allocated_kzt, *, name: str | None = None,
                  config: BlockSettings = DEFAULT_BLOCK_SETTINGS) -> tuple[dict, list]:
    """Set a line's allocation (adding the line when new); the block total must fit the limit."""
    problems: dict = {}
    line_id = _text(line_id, "line_id", problems, config.max_name_length)
    amount = _amount(allocated_kzt, "allocated_kzt", problems)
    if line_id not in block["lines"]:
        require(len(block["lines"]) < config.max_lines, "line_id", "too many lines", problems)
    raise_if_problems(problems, "invalid allocation")
    new = copy.deepcopy(block)
    line = new["lines"].setdefault(line_id, {"name": name or line_id, "allocated_kzt": ZERO,
                                             "executed_kzt": ZERO})
    if name:
        line["name"] = name
    if amount < line["executed_kzt"]:
        raise _insufficient(block, line_id, line["executed_kzt"] - amount,
                            line["allocated_kzt"] - line["executed_kzt"])
    line["allocated_kzt"] = amount
    _check_limit(new)
    return new, []


def move_between_lines(block: dict, from_line: str, to_line: str, amount_kzt, *, now: datetime,
                       move_id: str | None = None) -> tuple[dict, list]:
    """Move ``amount_kzt`` of allocation from one line of the block to another.

    The source must still hold the amount unspent (allocated − executed), else
    ``insufficient_line_balance``; the block limit is checked too. A ``move_id`` already applied
    makes the call a no-op, so a retried command moves money once.
    """
    problems: dict = {}
    amount = _amount(amount_kzt, "amount_kzt", problems, positive=True)
    require(from_line != to_line, "to_line", "must differ from from_line", problems)
    raise_if_problems(problems, "invalid move")
    if move_id is not None and any(m["move_id"] == move_id for m in block["moves"]):
        return block, []
    source = _line(block, from_line, "from_line")
    _line(block, to_line, "to_line")
    available = source["allocated_kzt"] - source["executed_kzt"]
    if amount > available:
        raise _insufficient(block, from_line, amount, available)
    new = copy.deepcopy(block)
    new["lines"][from_line]["allocated_kzt"] = money(source["allocated_kzt"] - amount)
    new["lines"][to_line]["allocated_kzt"] = money(new["lines"][to_line]["allocated_kzt"] + amount)
    _check_limit(new)
    new["moves"].append({"move_id": move_id, "from_line": from_line, "to_line": to_line,
                         "amount_kzt": amount, "at": now.isoformat()})
    return new, []


def record_execution(block: dict, line_id: str, amount_kzt) -> tuple[dict, list]:
    """Book spending on a line; a line never spends more than its allocation."""
    problems: dict = {}
    amount = _amount(amount_kzt, "amount_kzt", problems, positive=True)
    raise_if_problems(problems, "invalid execution")
    line = _line(block, line_id, "line_id")
    available = line["allocated_kzt"] - line["executed_kzt"]
    if amount > available:
        raise _insufficient(block, line_id, amount, available)
    new = copy.deepcopy(block)
    new["lines"][line_id]["executed_kzt"] = money(line["executed_kzt"] + amount)
    return new, []


def set_limit(block: dict, limit_kzt) -> tuple[dict, list]:
    """Change the limit (e.g. a budget amendment); it may not fall below what is allocated."""
    problems: dict = {}
    limit = _amount(limit_kzt, "limit_kzt", problems)
    raise_if_problems(problems, "invalid limit")
    new = copy.deepcopy(block)
    new["limit_kzt"] = limit
    _check_limit(new)
    return new, []


def carry_over(block: dict, next_block: dict | None, *, now: datetime,
               config: BlockSettings = DEFAULT_BLOCK_SETTINGS) -> tuple[dict, dict, list]:
    """Carry the unspent balance (limit − executed) into next year's block, once.

    Returns ``(block, next_block, facts)``. ``next_block`` is created when None (same spending body
    and region, limit = the balance, no lines or targets yet) or has its limit raised. The
    carry-in is recorded on the next block under this block's id and the source is marked, so
    repeating the call (or finishing one interrupted between the two writes) adds nothing twice:
    the service writes the next block first, then the source.
    """
    if config.carry_over_only_after_year_end and now.date() <= date(block["fiscal_year"], 12, 31):
        raise RuleViolation("the fiscal year is still open", {
            "rule": "year_not_closed", "block_id": block["block_id"],
            "fiscal_year": block["fiscal_year"]})
    next_year = block["fiscal_year"] + 1
    target_id = block_id(block["spending_body"], block["region_code"], next_year)
    if next_block is not None and next_block["block_id"] != target_id:
        raise ValidationFailed("wrong next block", {"next_block": [f"expected {target_id}"]})
    unspent = summarise(block)["unspent_kzt"]
    source = copy.deepcopy(block)
    if next_block is None:
        target = {"block_id": target_id, "spending_body": block["spending_body"],
                  "region_code": block["region_code"], "fiscal_year": next_year, "limit_kzt": ZERO,
                  "targets": [], "lines": {}, "carry_ins": {}, "carried_over": None, "moves": [],
                  "created_at": now.isoformat()}
    else:
        target = copy.deepcopy(next_block)
    already_in = block["block_id"] in target["carry_ins"]
    if block.get("carried_over") and already_in:
        return block, next_block, []
    if not already_in:
        amount = block["carried_over"]["amount_kzt"] if block.get("carried_over") else unspent
        target["carry_ins"][block["block_id"]] = amount
        target["limit_kzt"] = money(target["limit_kzt"] + amount)
    if not source.get("carried_over"):
        source["carried_over"] = {"to_block_id": target_id,
                                  "amount_kzt": target["carry_ins"][block["block_id"]],
                                  "at": now.isoformat()}
    return source, target, []


def block_move_rejected_fact(block: dict, request: dict, violation: RuleViolation
                             ) -> tuple[str, dict]:
    """The ``block_move_rejected`` fact for a move refused by a rule (numbers as strings)."""
    try:
        amount = money_str(parse_amount(request.get("amount_kzt")))
    except AmountError:
        amount = str(request.get("amount_kzt"))
    details = {k: (v if isinstance(v, (str, int)) else str(v))
               for k, v in violation.details.items() if k != "rule"}
    return ("block_move_rejected", {
        "block_id": block["block_id"], "spending_body": block["spending_body"],
        "region_code": block["region_code"], "fiscal_year": block["fiscal_year"],
        "from_line": request.get("from_line"), "to_line": request.get("to_line"),
        "amount_kzt": amount, "rule": violation.details["rule"], "reason": violation.message,
        "details": details})


def block_as_output(block: dict) -> dict:
    """JSON-ready form of a block with its totals (money as decimal strings)."""
    totals = {k: money_str(v) for k, v in summarise(block).items()}
    carried = block.get("carried_over")
    return {
        "block_id": block["block_id"], "spending_body": block["spending_body"],
        "region_code": block["region_code"], "fiscal_year": block["fiscal_year"],
        "targets": [{"indicator": t["indicator"], "target_value": str(t["target_value"])}
                    for t in block["targets"]],
        "lines": [{"line_id": lid, "name": ln["name"],
                   "allocated_kzt": money_str(ln["allocated_kzt"]),
                   "executed_kzt": money_str(ln["executed_kzt"])}
                  for lid, ln in sorted(block["lines"].items())],
        "carry_ins": {k: money_str(v) for k, v in block["carry_ins"].items()},
        "carried_over": None if not carried else {
            "to_block_id": carried["to_block_id"], "amount_kzt": money_str(carried["amount_kzt"]),
            "at": carried["at"]},
        **totals,
    }
