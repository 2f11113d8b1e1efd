"""Indicators of one region and year as of every month (the console's revenue-by-month chart).

Computing them reads every line of the pair (about a thousand on the demo data; on FerretDB that
is a fetch and a conversion of each document, seconds on a loaded machine). So they are kept as a
read model (``repository/monthly.py``): written by every recalculation that reads the lines
anyway (``recalculate``), and by a read that found it stale. A read whose model still matches the
pair's batch counter and transfer record costs three reads by ``_id``.

The model is stamped with the batch counter read *before* the lines, and stored only if the
counter did not move meanwhile and no batch was writing then, so it never claims lines it did not
see; a write after it moves the counter, and the next read computes again.
"""
import json

from services.budgets.contract.rpc import IndicatorsOutSchema
from services.budgets.domain.monthly import MonthlyIndicatorAccumulator
from services.common.population import population_for_year


def transfers_stamp(record: dict | None) -> str | None:
    """The transfer record as the model remembers it (any change in it makes the model stale)."""
    return None if record is None else json.dumps(record, sort_keys=True, default=str)


def months_output(pair, accumulator: MonthlyIndicatorAccumulator, transfers: dict | None) -> list[dict]:
    region_code, year = pair
    docs = accumulator.results(transfers=transfers,
                               population=population_for_year(year).figure(region_code))
    return [IndicatorsOutSchema().dump(doc) for doc in docs]


def keep_months(stores, pair, stamp_before: tuple[int, int], months: list[dict],
                transfers: dict | None, stamp_after: tuple[int, int] | None = None) -> bool:
    """Store the model computed from lines read after ``stamp_before`` (gen, writing), if no
    batch was writing then nor wrote since (``stamp_after``, read now when not given). Answers
    whether it was stored."""
    gen, writing = stamp_before
    if stores.monthly is None or writing:
        return False
    if (stamp_after or stores.lines.batches([pair])[pair]) != (gen, 0):
        return False
    stores.monthly.store(*pair, lines_gen=gen, transfers=transfers_stamp(transfers), months=months)
    return True


def indicators_by_month(stores, region_code: str, fiscal_year: int) -> list[dict]:
    """``[indicators as of M01, …, as of M12]`` as the RPC answers them (year-to-date figures)."""
    pair = (region_code, int(fiscal_year))
    stamp = stores.lines.batches([pair])[pair]
    transfers = stores.transfers.find(*pair)
    if stores.monthly is not None:
        kept = stores.monthly.find(*pair)
        if (kept is not None and stamp[1] == 0 and kept["lines_gen"] == stamp[0]
                and kept["transfers"] == transfers_stamp(transfers)):
            return kept["months"]
    accumulator = MonthlyIndicatorAccumulator(*pair)
    for line in stores.lines.stream_pairs([pair]):
        accumulator.add(line)
    months = months_output(pair, accumulator, transfers)
    keep_months(stores, pair, stamp, months, transfers)
    return months
