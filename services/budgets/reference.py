"""Population reference used for per-resident indicators.

Shipped as ``data/population_2025-01-01.json``, which names its source (the Bureau of National
Statistics) and marks each figure as exact or estimated. Another edition (a later year) is a new
file loaded with :func:`load_population`; rules receive the mapping as a parameter, so tests and
the service can pass any table.
"""
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from services.common.regions import REGIONS

DATA_FILE = Path(__file__).with_name("data") / "population_2025-01-01.json"


@dataclass(frozen=True)
class PopulationTable:
    as_of: date
    source: str
    by_region: dict[str, int]  # region code -> residents

    def get(self, region_code: str) -> int | None:
        return self.by_region.get(region_code)

    @property
    def total(self) -> int:
        return sum(self.by_region.values())


def load_population(path: Path | str = DATA_FILE) -> PopulationTable:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    by_region: dict[str, int] = {}
    for row in document["regions"]:
        code, residents = row["region_code"], row["population"]
        if code not in REGIONS:
            raise ValueError(f"population table names unknown region {code!r}")
        if not isinstance(residents, int) or residents <= 0:
            raise ValueError(f"population of {code} must be a positive integer")
        by_region[code] = residents
    missing = sorted(set(REGIONS) - set(by_region))
    if missing:
        raise ValueError(f"population table lacks regions {missing}")
    return PopulationTable(date.fromisoformat(document["as_of"]), document["source"], by_region)


@lru_cache(maxsize=1)
def default_population() -> PopulationTable:
    return load_population()
