"""Resident population by region, one table per 1 January, each figure with its source and quality.

Tables are ``data/population_<YYYY>-01-01.json`` (the Bureau of National Statistics' figures where
published, the platform's estimates otherwise). A figure is ``exact`` (the Bureau's value) or
``estimated``; whatever is computed per resident from an estimated figure says so
(``population_quality``), so no reader takes an estimate for a statistic. The table for a fiscal
year is the one at 1 January of that year (the latest earlier one when that year's is not shipped).
Reference data every service may read, like :mod:`services.common.regions`.
"""
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from services.common.regions import REGIONS

DATA_DIR = Path(__file__).with_name("data")
QUALITIES = ("exact", "estimated")
EXACT, ESTIMATED = QUALITIES


@dataclass(frozen=True)
class PopulationTable:
    as_of: date
    source: str
    by_region: dict[str, int]  # region code -> residents
    quality_by_region: dict[str, str] = field(default_factory=dict)
    source_by_region: dict[str, str] = field(default_factory=dict)  # region -> source text

    def get(self, region_code: str) -> int | None:
        return self.by_region.get(region_code)

    def quality(self, region_code: str) -> str | None:
        if region_code not in self.by_region:
            return None
        return self.quality_by_region.get(region_code, EXACT)

    def is_estimated(self, region_code: str) -> bool:
        return self.quality(region_code) == ESTIMATED

    def figure(self, region_code: str) -> dict | None:
        """``{population, population_quality, population_as_of, population_source}``."""
        if region_code not in self.by_region:
            return None
        return {"population": self.by_region[region_code],
                "population_quality": self.quality(region_code),
                "population_as_of": self.as_of.isoformat(),
                "population_source": self.source_by_region.get(region_code, self.source)}

    @property
    def total(self) -> int:
        return sum(self.by_region.values())


def load_population(path: Path | str) -> PopulationTable:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    sources = document.get("sources", {})
    by_region: dict[str, int] = {}
    quality: dict[str, str] = {}
    source: dict[str, str] = {}
    for row in document["regions"]:
        code, residents = row["region_code"], row["population"]
        if code not in REGIONS:
            raise ValueError(f"population table names unknown region {code!r}")
        if not isinstance(residents, int) or isinstance(residents, bool) or residents <= 0:
            raise ValueError(f"population of {code} must be a positive integer")
        row_quality = row.get("quality", EXACT)
        if row_quality not in QUALITIES:
            raise ValueError(f"population of {code}: quality must be one of {QUALITIES}")
        key = row.get("source")
        if key is not None and key not in sources:
            raise ValueError(f"population of {code} names unknown source {key!r}")
        by_region[code] = residents
        quality[code] = row_quality
        source[code] = sources[key] if key is not None else document["source"]
    missing = sorted(set(REGIONS) - set(by_region))
    if missing:
        raise ValueError(f"population table lacks regions {missing}")
    return PopulationTable(date.fromisoformat(document["as_of"]), document["source"], by_region,
                           quality, source)


class PopulationRegister:
    """The tables by date; :meth:`for_year` picks the one a fiscal year uses."""

    def __init__(self, tables: list[PopulationTable]):
        if not tables:
            raise ValueError("at least one population table is needed")
        self.tables = sorted(tables, key=lambda t: t.as_of)

    def for_year(self, fiscal_year: int) -> PopulationTable:
        start = date(int(fiscal_year), 1, 1)
        earlier = [t for t in self.tables if t.as_of <= start]
        return earlier[-1] if earlier else self.tables[0]

    def latest(self) -> PopulationTable:
        return self.tables[-1]


def load_register(directory: Path | str = DATA_DIR) -> PopulationRegister:
    return PopulationRegister([load_population(p)
                               for p in sorted(Path(directory).glob("population_*-01-01.json"))])


@lru_cache(maxsize=1)
def default_register() -> PopulationRegister:
    return load_register()


def population_for_year(fiscal_year: int) -> PopulationTable:
    return default_register().for_year(fiscal_year)
