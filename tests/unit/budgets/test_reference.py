"""Population reference data shipped with the budgets service."""
import json

import pytest

from services.budgets.domain.reference import default_population, load_population
from services.common.regions import REGIONS


def test_population_covers_every_region_and_names_its_source():
    table = default_population()
    assert set(table.by_region) == set(REGIONS)
    assert 20_200_000 < table.total < 20_400_000
    assert "Bureau of National Statistics" in table.source
    assert table.as_of.isoformat() == "2025-01-01"
    # Published figures (1 January 2025 release).
    assert table.get("KZ-75") == 2_292_333
    assert table.get("KZ-61") == 2_154_334
    assert max(table.by_region, key=table.by_region.get) == "KZ-75"
    assert min(table.by_region, key=table.by_region.get) == "KZ-62"


def _write(tmp_path, regions):
    path = tmp_path / "population.json"
    path.write_text(json.dumps({"as_of": "2026-01-01", "source": "test", "regions": regions}))
    return path


def test_loader_rejects_incomplete_or_unknown_tables(tmp_path):
    rows = [{"region_code": code, "population": 1000} for code in REGIONS]
    assert load_population(_write(tmp_path, rows)).total == 20_000
    with pytest.raises(ValueError, match="lacks regions"):
        load_population(_write(tmp_path, rows[1:]))
    with pytest.raises(ValueError, match="unknown region"):
        load_population(_write(tmp_path, rows + [{"region_code": "KZ-99", "population": 5}]))
    with pytest.raises(ValueError, match="positive integer"):
        load_population(_write(tmp_path, [dict(rows[0], population=0)] + rows[1:]))
