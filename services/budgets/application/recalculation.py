"""Indicator recalculation after lines or transfers of a (region, year) changed.

Stored indicators are the year-to-date ("Y") figures of each region and year. A recalculation
reads the stored document and its version *first*, then streams the lines, computes, compares
(``compare_indicators``) and writes the new figures together with their facts in one versioned
write. Reading the version before the lines is what makes concurrent recalculations safe: whoever
read older lines also read an older version, so their write is refused (``StaleVersion``) and
they start over with fresh lines. Several pairs are recalculated from one pass over the lines
(after a bulk import), each with its own bounded accumulator, and a pair an import filled on its
own is not read back at all (``FreshPairs``).

Figures as of an earlier period ("as of Q2") are computed on request and not stored, except the
twelve month ends, kept as a read model (``application/monthly.py``) that a recalculation reading
a pair's lines refreshes from the same pass.
"""
from dataclasses import dataclass
from datetime import datetime

import eventlet

from services.budgets.application.monthly import keep_months, months_output
from services.budgets.domain.indicators import (
    DEFAULT_INDICATOR_SETTINGS,
    IndicatorAccumulator,
    IndicatorSettings,
    compare_indicators,
)
from services.budgets.domain.monthly import MonthlyIndicatorAccumulator
from services.budgets.domain.periods import YEAR_CODE
from services.common.codec import tiyn_to_money
from services.common.errors import DuplicateKey, StaleVersion
from services.common.population import population_for_year

MAX_ATTEMPTS = 5


@dataclass
class Stores:
    """The repositories a recalculation reads and writes."""
    lines: object
    indicators: object
    transfers: object
    monthly: object = None  # the month-by-month read model (application/monthly.py), if kept


def _result(pair, accumulator: IndicatorAccumulator, stores: Stores) -> dict:
    region_code, year = pair
    return accumulator.result(transfers=stores.transfers.find(region_code, year),
                              population=population_for_year(year).figure(region_code))


def compute_as_of(stores: Stores, region_code: str, fiscal_year: int, as_of: str,
                  config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS) -> dict:
    """Indicators of one region and year as of ``as_of``, computed now, nothing stored."""
    pair = (region_code, int(fiscal_year))
    accumulator = IndicatorAccumulator(region_code, fiscal_year, as_of, config)
    for line in stores.lines.stream_pairs([pair]):
        accumulator.add(line)
    return _result(pair, accumulator, stores)


def _store(stores: Stores, pair, previous, version, new: dict, now: datetime,
           config: IndicatorSettings) -> tuple[dict, list]:
    facts = compare_indicators(previous, new, config)
    if not facts:
        return previous, []
    stores.indicators.store(dict(new, computed_at=now), version, facts)
    return new, facts


def recalculate(stores: Stores, pairs, now: datetime,
                config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS, accumulated=None,
                accumulated_by_month=None, store_concurrency: int = 1) -> dict:
    """Recalculate and store the "Y" indicators of every (region, year) in ``pairs``.

    Returns ``{(region, year): indicators}``; the facts (``indicators_recalculated``,
    ``autonomy_below_threshold``) are stored with each document that changed.
    ``accumulated(pair)`` may supply a complete accumulator for a pair (an import that filled
    it alone, see ``FreshPairs``); it is asked after the versions are read, and only the other
    pairs are read back from the store. ``accumulated_by_month(pair)`` likewise may supply the
    month-by-month accumulator of such a pair, for the read model.
    """
    pairs = sorted({(r, int(y)) for r, y in pairs})
    if not pairs:
        return {}
    loaded = {pair: stores.indicators.load(*pair) for pair in pairs}  # versions before lines
    stamps = stores.lines.batches(pairs) if stores.monthly is not None else {}  # before lines too
    accumulators = {pair: (accumulated(pair) if accumulated else None) for pair in pairs}
    to_read = [pair for pair, accumulator in accumulators.items() if accumulator is None]
    for pair in to_read:
        accumulators[pair] = IndicatorAccumulator(pair[0], pair[1], YEAR_CODE, config)
    # the lines read anyway also refresh the month-by-month read model of their pairs
    by_month = {pair: MonthlyIndicatorAccumulator(*pair, config) for pair in to_read
                if pair in stamps and not stamps[pair][1]}
    for pair in (p for p in pairs if p not in to_read and p in stamps and not stamps[p][1]):
        kept = accumulated_by_month(pair) if accumulated_by_month else None
        if kept is not None:
            by_month[pair] = kept
    if to_read:
        for line in stores.lines.stream_pairs(to_read):
            pair = (line["region_code"], int(line["fiscal_year"]))
            accumulators[pair].add(line)
            monthly = by_month.get(pair)
            if monthly is not None:
                monthly.add(line)
    if by_month:
        after = stores.lines.batches(list(by_month))
        for pair, accumulator in by_month.items():
            transfers = stores.transfers.find(*pair)
            keep_months(stores, pair, stamps[pair], months_output(pair, accumulator, transfers),
                        transfers, stamp_after=after[pair])

    def store_pair(pair):
        previous, version = loaded[pair]
        new = _result(pair, accumulators.pop(pair), stores)
        try:
            return pair, _store(stores, pair, previous, version, new, now, config)[0]
        except (StaleVersion, DuplicateKey):
            return pair, recalculate_one(stores, pair, now, config)

    if store_concurrency > 1:
        return dict(eventlet.GreenPool(store_concurrency).imap(store_pair, pairs))
    return dict(store_pair(pair) for pair in pairs)


class FreshPairs:
    """Indicators of the pairs an import fills on its own, accumulated as it writes.

    Reading a pair's lines back after a large import costs a pass over the store (a full scan on
    FerretDB). When the import is provably the only writer of a pair, what it wrote is all there
    is, so the running totals it kept are the pair's figures. The proof is the pair counter
    (``RevenueLineRepository.pair_counter``): no line when the import first touched the pair, and
    at the end exactly the lines it inserted and the batches it wrote. Any other writer, a job
    resumed after a crash (``trusted=False``) or a pair with lines from before makes the proof
    fail, and that pair is read back from the store as usual.
    """

    def __init__(self, lines, *, trusted: bool = True, max_series: int = 300_000,
                 config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS):
        self.lines = lines
        self.trusted = trusted
        self.max_series = max_series  # beyond this the totals are dropped (memory stays bounded)
        self.config = config
        self.first: dict = {}         # pair -> gen seen at first touch, None when not fresh
        self.inserted: dict = {}      # pair -> lines this import inserted
        self.batches: dict = {}       # pair -> batches this import wrote there
        self.accumulators: dict = {}
        self.by_month: dict = {}      # pair -> MonthlyIndicatorAccumulator, beside accumulators

    def before_batch(self, lines: list[dict]) -> None:
        for pair in {(ln["region_code"], int(ln["fiscal_year"])) for ln in lines}:
            if pair in self.first:
                continue
            count, gen = self.lines.pair_counter(*pair)
            fresh = self.trusted and count == 0
            self.first[pair] = gen if fresh else None
            self.inserted[pair], self.batches[pair] = 0, 0
            if fresh:
                self.accumulators[pair] = IndicatorAccumulator(pair[0], pair[1], YEAR_CODE,
                                                               self.config)
                self.by_month[pair] = MonthlyIndicatorAccumulator(*pair, self.config)

    def after_batch(self, lines: list[dict], outcome) -> None:
        for pair in {(ln["region_code"], int(ln["fiscal_year"])) for ln in lines}:
            self.batches[pair] += 1
        for line, result, previous in zip(lines, outcome.results, outcome.previous, strict=False):
            pair = (line["region_code"], int(line["fiscal_year"]))
            if result == "inserted":
                self.inserted[pair] += 1
            accumulator = self.accumulators.get(pair)
            if accumulator is None or result == "unchanged":
                continue
            if result != "inserted" and previous is not None:
                line = dict(line, amount_kzt=line["amount_kzt"] - tiyn_to_money(previous))
            accumulator.add(line)
            self.by_month[pair].add(line)
        held = sum(a.series_count for a in (*self.accumulators.values(), *self.by_month.values()))
        if held > self.max_series:
            self.accumulators.clear()
            self.by_month.clear()
            self.first = {pair: None for pair in self.first}

    def accumulated_by_month(self, pair):
        """The month-by-month accumulator of ``pair`` when ``accumulated`` proves it complete."""
        return self.by_month.get(pair) if self.accumulated(pair) is not None else None

    def accumulated(self, pair):
        """The complete accumulator of ``pair``, or None when it must be read from the store."""
        accumulator = self.accumulators.get(pair)
        if accumulator is None or self.first.get(pair) is None:
            return None
        count, gen = self.lines.pair_counter(*pair)
        if count == self.inserted[pair] and gen == self.first[pair] + self.batches[pair]:
            return accumulator
        return None


def recalculate_one(stores: Stores, pair, now: datetime,
                    config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS) -> dict:
    """One pair, starting over when a concurrent recalculation wrote first."""
    for attempt in range(MAX_ATTEMPTS):
        previous, version = stores.indicators.load(*pair)
        accumulator = IndicatorAccumulator(pair[0], pair[1], YEAR_CODE, config)
        for line in stores.lines.stream_pairs([pair]):
            accumulator.add(line)
        new = _result(pair, accumulator, stores)
        try:
            return _store(stores, pair, previous, version, new, now, config)[0]
        except (StaleVersion, DuplicateKey):
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
