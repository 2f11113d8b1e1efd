"""The settlement register, pure: KATO rows, assessments, the population-weighted roll-up and the
gap lists."""
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.common.csv_rows import RowErrors
from services.common.errors import ValidationFailed
from services.gateway.hub.settlements import (
    Skipped,
    gap_list,
    new_assessment,
    parse_register_csv,
    scorecard_srs_record,
    srs_rollup,
    unit_changed,
)

SAMPLE = Path(__file__).parents[3] / "services/gateway/data/settlement_register_sample.csv"
HEADER = "te,ab,cd,ef,hij,k,kaz_name,rus_name,nn,kind,urban_population,rural_population," \
         "population_year,population_source,flags,agglomeration\n"
SOURCE = {"kind": "manual", "by": "coordinator", "reference": "act 1", "import_id": None,
          "file_name": None}


def rows(*lines: str, header: str = HEADER):
    return list(parse_register_csv([header, *[line + "\n" for line in lines]]))


def unit(kato, kind, people, region="KZ-35"):
    urban = people if kind == "town" else 0
    return {"kato": kato, "region_code": region, "kind": kind, "urban_population": urban,
            "rural_population": people - urban, "population_year": 2025, "flags": []}


def test_shipped_sample_says_it_is_a_sample_and_imports_cleanly():
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# SAMPLE, NOT THE CLASSIFIER")
    results = list(parse_register_csv(text.splitlines(keepends=True)))
    assert not [r for _, r in results if isinstance(r, RowErrors)]
    skipped = [r for _, r in results if isinstance(r, Skipped)]
    units = [r for _, r in results if not isinstance(r, (Skipped, RowErrors))]
    assert len(skipped) == 2  # the oblast and the district rows
    kinds = {u["kind"] for u in units}
    assert kinds == {"town", "village", "rural_district"}
    saran = next(u for u in units if u["kato"] == "351810000")
    assert saran["flags"] == ["agglomeration_member", "mono_town"]
    assert saran["agglomeration"] == "karaganda" and saran["region_code"] == "KZ-35"
    village = next(u for u in units if u["kato"] == "352430100")
    assert village["parent_kato"] == "352430000"


def test_kind_is_inferred_from_the_code_and_the_russian_name():
    header = "te,rus_name\n"
    results = rows("352410000,г. Абай", "352430000,Карабасский с.о.", "352433100,с. Карабас",
                   "352440000,Непонятно", header=header)
    kinds = [r.get("kind") if not isinstance(r, RowErrors) else r for _, r in results]
    assert kinds[:3] == ["town", "rural_district", "village"]
    assert "kind" in kinds[3]


@pytest.mark.parametrize("line,field", [
    ("35241000,,,,,,,г. Абай,,town,,,,,,", "te"),
    ("992410000,,,,,,,г. Абай,,town,,,,,,", "te"),
    ("352410000,,,,,,,г. Абай,,village,,,,,,", "kind"),
    ("352433100,,,,,,,с. Карабас,,town,,,,,,", "kind"),
    ("352410000,,,,,,,г. Абай,,town,12x,,2025,,,", "urban_population"),
    ("352410000,,,,,,,г. Абай,,town,1200,,,,,", "population_year"),
    ("352410000,,,,,,,г. Абай,,town,,,,,capital,", "flags"),
    ("352410000,,,,,,,г. Абай,,town,,,,,,almaty", "agglomeration"),
    ("352410000,,,,,,,г. Абай,,town,,,,,agglomeration_member,", "agglomeration"),
    ("352410000,,,,,,,г. Абай,,town,,,", "_row"),
])
def test_bad_rows_name_the_field_and_do_not_stop_the_file(line, field):
    results = rows(line, "352433100,,,,,,,с. Карабас,,village,0,10,2025,,,")
    assert isinstance(results[0][1], RowErrors) and field in results[0][1]
    assert results[1][1]["kato"] == "352433100"  # the next row still reads
    assert [r for r, _ in results] == [2, 3]


def test_a_header_without_the_code_column_refuses_the_file():
    with pytest.raises(ValidationFailed) as exc:
        rows("x", header="code,rus_name\n")
    assert "missing columns: te" in exc.value.details["header"][0]


def test_unchanged_unit_is_recognised():
    (_, parsed), = rows("352410000,,,,,,,г. Абай,,town,26000,0,2025,BNS,,")
    assert not unit_changed(dict(parsed, source={"import_id": "old"}), parsed)
    assert unit_changed(dict(parsed, urban_population=1), parsed)
    assert unit_changed(None, parsed)


def test_assessment_scores_provision_and_names_missed_standards():
    a = new_assessment(unit("352433100", "village", 100), 2025,
                       {"education": 100, "health": "80.04", "transport": 90}, source=SOURCE)
    assert a["provision_pct"] == Decimal("90.0")
    assert a["coverage"]["health"] == Decimal("80.0") and a["coverage"]["sport"] is None
    assert a["standards_missed"] == ["health", "transport"]
    assert a["complete"] is False and a["meets_srs"] is False
    full = new_assessment(unit("352433100", "village", 100), 2025,
                          {s: 100 for s in ("education", "health", "culture", "sport",
                                            "engineering", "transport")}, source=SOURCE)
    assert full["meets_srs"] is True and full["standards_missed"] == []


@pytest.mark.parametrize("target,year,coverage,field", [
    (unit("352430000", "rural_district", 0), 2025, {"education": 50}, "kato"),
    (unit("352433100", "village", 10), 2025, {"education": 101}, "coverage.education"),
    (unit("352433100", "village", 10), 2025, {"water": 50}, "coverage"),
    (unit("352433100", "village", 10), 2025, {}, "coverage"),
    (unit("352433100", "village", 10), 1990, {"education": 5}, "year"),
])
def test_bad_assessments_are_refused(target, year, coverage, field):
    with pytest.raises(ValidationFailed) as exc:
        new_assessment(target, year, coverage, source=SOURCE)
    assert field in exc.value.details


def test_rollup_weights_by_population_not_by_settlement():
    units = [unit("351810000", "town", 90_000), unit("351820000", "town", 10_000),
             unit("352433100", "village", 3_000), unit("352433200", "village", 1_000),
             unit("352433300", "village", 500),  # not assessed: weighs nothing
             unit("352430000", "rural_district", 0)]
    full = {s: 100 for s in ("education", "health", "culture", "sport", "engineering",
                             "transport")}
    assessments = [
        new_assessment(units[0], 2025, {"education": 100}, source=SOURCE),
        new_assessment(units[1], 2025, {"education": 50}, source=SOURCE),
        new_assessment(units[2], 2025, full, source=SOURCE),
        new_assessment(units[3], 2025, {**full, "transport": 20}, source=SOURCE),
    ]
    rollup = srs_rollup(units, assessments, year=2025)
    assert rollup["cities_pct"] == Decimal("95.0")      # (100*90k + 50*10k) / 100k; mean 75
    assert rollup["rural_pct"] == Decimal("96.7")       # (100*3k + 86.7*1k) / 4k
    assert rollup["rural_population_pct"] == Decimal("75.0")  # 3k of 4k live where SRS is met
    assert rollup["basis"]["villages_registered"] == 3
    assert rollup["basis"]["villages_assessed"] == 2
    assert rollup["basis"]["population_assessed"] == 104_000
    record = scorecard_srs_record(rollup, "KZ-35", date(2026, 1, 1))
    assert record["cities_pct"] == Decimal("95.0")
    assert "2 villages" in record["source"] and "weighted by population" in record["source"]
    assert scorecard_srs_record(srs_rollup(units, [], year=None), "KZ-35",
                                date(2026, 1, 1)) is None


def test_gap_list_names_missed_standards_and_the_projects_closing_them():
    units = [unit("352433100", "village", 3_000), unit("352433200", "village", 1_000),
             unit("352433300", "village", 500)]
    assessments = [new_assessment(units[0], 2025, {"education": 100, "health": 40},
                                  source=SOURCE),
                   new_assessment(units[1], 2025, {"education": 100}, source=SOURCE)]
    projects = [{"project_id": "p1", "title": "Clinic", "stage": "approved",
                 "srs_gaps": [{"kato": "352433100", "standard": "health"}]},
                {"project_id": "p2", "title": "Gone", "stage": "cancelled",
                 "srs_gaps": [{"kato": "352433100", "standard": "health"}]}]
    gaps = gap_list(units, assessments, projects)
    assert gaps["settlements_with_gaps"] == 1 and gaps["settlements_not_assessed"] == 1
    (item,) = gaps["items"]
    assert item["kato"] == "352433100"
    assert item["gaps"] == [{"standard": "health", "coverage_pct": Decimal("40.0"),
                             "projects": [{"project_id": "p1", "title": "Clinic",
                                           "stage": "approved"}]}]
    assert gap_list(units, assessments, projects, standard="sport")["items"] == []
