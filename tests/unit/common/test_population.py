"""Population per 1 January with a source and quality per figure; agglomeration members as data."""
import json
from decimal import Decimal

import pytest

from services.budgets.domain.indicators import compute_indicators, indicators_payload
from services.common.population import load_population, load_register, population_for_year
from services.common.regions import AGGLOMERATIONS, REGIONS, load_agglomerations


def test_a_table_per_year_each_figure_with_its_source_and_quality():
    t2025, t2026 = population_for_year(2025), population_for_year(2026)
    assert t2025.as_of.isoformat() == "2025-01-01" and t2026.as_of.isoformat() == "2026-01-01"
    assert population_for_year(2030) is t2026  # the latest earlier table until a newer ships
    for table in (t2025, t2026):
        assert set(table.by_region) == set(REGIONS)
        for code in REGIONS:
            figure = table.figure(code)
            assert figure["population_quality"] in ("exact", "estimated")
            assert figure["population_source"]
    assert t2025.quality("KZ-75") == "exact" and "Bureau of National Statistics" in (
        t2025.figure("KZ-75")["population_source"])
    assert t2025.is_estimated("KZ-62")
    # no Bureau table at 1 January 2026 is shipped: every figure is the platform's estimate
    assert all(t2026.is_estimated(code) for code in REGIONS)
    assert "estimate" in t2026.figure("KZ-75")["population_source"].lower()


def test_per_resident_indicators_carry_the_population_quality():
    lines = [{"region_code": "KZ-75", "budget_level": "city_republican", "district": None,
              "fiscal_year": year, "period": "Y", "ebk_code": "101202", "phase": "executed",
              "amount_kzt": Decimal("2292333.00")} for year in (2025, 2026)]
    exact = compute_indicators("KZ-75", 2025, lines, transfers=None,
                               population=population_for_year(2025).figure("KZ-75"))
    assert exact["revenue_per_resident_kzt"] == Decimal("1.00")
    assert (exact["population_quality"], exact["population_as_of"]) == ("exact", "2025-01-01")
    estimated = indicators_payload(compute_indicators(
        "KZ-75", 2026, lines, transfers=None,
        population=population_for_year(2026).figure("KZ-75")))
    assert estimated["population_quality"] == "estimated"
    assert estimated["revenue_per_resident_kzt"] is not None


def test_population_loader_checks_quality_and_source(tmp_path):
    rows = [{"region_code": c, "population": 1000, "quality": "exact", "source": "s"}
            for c in REGIONS]
    path = tmp_path / "population_2027-01-01.json"
    document = {"as_of": "2027-01-01", "source": "test", "sources": {"s": "a source"},
                "regions": rows}
    path.write_text(json.dumps(document))
    assert load_register(tmp_path).for_year(2027).figure("KZ-10")["population_source"] == "a source"
    path.write_text(json.dumps(dict(document, regions=[dict(rows[0], quality="guessed")] + rows[1:])))
    with pytest.raises(ValueError, match="quality"):
        load_population(path)
    path.write_text(json.dumps(dict(document, regions=[dict(rows[0], source="x")] + rows[1:])))
    with pytest.raises(ValueError, match="unknown source"):
        load_population(path)


def test_almaty_agglomeration_lists_the_decree_members_with_their_sources():
    almaty = AGGLOMERATIONS["almaty"]
    assert {"Almaty", "Konaev", "Yesik", "Enbekshikazakh district", "Ili district",
            "Karasai district", "Talgar district", "Gate City", "Zarechny"} == set(almaty.members)
    for member in almaty.member_details:
        assert member["region_code"] in almaty.region_codes
        assert "19 June 2023" in member["source"] and member["quality"] in ("secondary",
                                                                             "unverified")
    assert [a.level for a in AGGLOMERATIONS.values()] == [1, 1, 1, 2, 2]


def test_agglomeration_member_outside_its_regions_is_refused(tmp_path):
    path = tmp_path / "agglomerations.json"
    path.write_text(json.dumps({"sources": {"s": "x"}, "agglomerations": [{
        "code": "a", "name": "A", "level": 1, "region_codes": ["KZ-75"],
        "members": [{"name": "Taraz", "kind": "city_regional", "region_code": "KZ-31",
                     "source": "s", "quality": "secondary"}]}]}))
    with pytest.raises(ValueError, match="outside its regions"):
        load_agglomerations(path)
