"""The settlement register and its SRS assessments, pure: KATO-coded units as the Bureau of
National Statistics publishes them, their flags and population, assessments per settlement and
year, the population-weighted roll-up to region and country, and the gap lists.

Units
- ``rural_district`` (сельский округ: ~2,200 in the country), ``town`` (the 48 towns of district
  significance, and towns of regional significance), ``village`` (~6,100). Towns and villages are
  *settlements*: only they carry an SRS assessment; a rural district groups its villages
  (``parent_kato``) and carries no assessment of its own, so nothing is counted twice.
- Flags: mono-town, small town, border settlement, agglomeration member (with the agglomeration's
  code), growth centre. The classifier itself does not carry them, so the import file may add the
  columns (see ``REGISTER_COLUMNS``).

Import file: the Bureau's KATO CSV (columns ``te`` code, ``ab``, ``cd``, ``ef``, ``hij``, ``k``,
``kaz_name``, ``rus_name``, ``nn``), UTF-8, with the platform's optional columns ``kind``,
``urban_population``, ``rural_population``, ``population_year``, ``population_source``, ``flags``
(``;``-separated) and ``agglomeration``. Lines starting with ``#`` before the header are comments
(the shipped sample says there that it is a sample). Rows of oblast or district level (``ef`` =
``00``) are not units of the register and are skipped, counted, not rejected.

Roll-up (what feeds the scorecards' 2030 targets)
- a settlement's provision = the mean coverage of the standards assessed;
- ``cities_pct`` = mean provision of towns weighted by their population, ``rural_pct`` = the same
  over villages, ``rural_population_pct`` = share of the assessed villages' population living in a
  village that meets every standard (coverage >= ``SrsAssessmentSettings.standard_met_pct``).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Iterable, Iterator, Mapping

from services.common import csv_rows
from services.common.csv_rows import RowErrors
from services.common.errors import raise_if_problems, require
from services.common.regions import AGGLOMERATIONS, REGIONS, agglomeration_in_region
from services.common.srs import KATO_PATTERN, SRS_STANDARDS, kato_region
from services.gateway.hub.settings import DEFAULT_SRS_SETTINGS, SrsAssessmentSettings

RURAL_DISTRICT, TOWN, VILLAGE = "rural_district", "town", "village"
UNIT_KINDS: tuple[str, ...] = (RURAL_DISTRICT, TOWN, VILLAGE)
SETTLEMENT_KINDS: tuple[str, ...] = (TOWN, VILLAGE)
FLAGS: tuple[str, ...] = ("mono_town", "small_town", "border", "agglomeration_member",
                          "growth_centre")
KATO_COLUMNS = ("te", "ab", "cd", "ef", "hij", "k", "kaz_name", "rus_name", "nn")
REGISTER_COLUMNS = ("kind", "urban_population", "rural_population", "population_year",
                    "population_source", "flags", "agglomeration")
REQUIRED_COLUMNS = ("te", "rus_name")
MAX_NAME = 200
MAX_POPULATION = 5_000_000
PCT = Decimal("0.1")
_KATO = re.compile(KATO_PATTERN)
# Content fields of a unit: a re-import that changes none of them leaves the unit (and its
# provenance) as it is.
UNIT_FIELDS = ("kato", "region_code", "kind", "name_ru", "name_kk", "parent_kato",
               "urban_population", "rural_population", "population_year", "population_source",
               "flags", "agglomeration")


class Skipped(str):
    """A row that is no unit of the register (oblast or district level): counted, not an error."""


# --- register rows ------------------------------------------------------------------------------

def _strip_comments(text_lines: Iterable[str]) -> Iterator[str]:
    lines = iter(text_lines)
    for line in lines:
        if line.lstrip("\ufeff").startswith("#"):
            continue
        yield line
        break
    yield from lines


def _infer_kind(kato: str, name_ru: str) -> str | None:
    if kato[6:] != "000":
        return VILLAGE
    lowered = name_ru.lower()
    if lowered.startswith(("г.", "г ")) or "город" in lowered:
        return TOWN
    if "с.о." in lowered or "сельский округ" in lowered or "поселк" in lowered:
        return RURAL_DISTRICT
    return None


def _count(raw: str | None, name: str, problems: dict) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        require(False, name, "must be a whole number of residents", problems)
        return None
    value = int(raw)
    require(value <= MAX_POPULATION, name, f"at most {MAX_POPULATION}", problems)
    return value


def check_unit(raw: Mapping[str, str | None]) -> tuple[dict | Skipped | None, dict]:
    """A register unit from one row's cells (None for empty), a ``Skipped`` marker, or problems."""
    problems: dict = {}
    kato = raw.get("te")
    if kato is None or not _KATO.match(kato):
        require(False, "te", "must be a 9-digit KATO code", problems)
        return None, problems
    if kato[4:6] == "00":
        return Skipped(f"{kato}: oblast or district level, not a unit of the register"), {}
    region = kato_region(kato)
    require(region in REGIONS, "te", f"first two digits {kato[:2]} name no region", problems)
    name_ru = raw.get("rus_name")
    require(name_ru is not None and len(name_ru) <= MAX_NAME, "rus_name",
            f"required, at most {MAX_NAME} characters", problems)
    name_kk = raw.get("kaz_name")
    require(name_kk is None or len(name_kk) <= MAX_NAME, "kaz_name",
            f"at most {MAX_NAME} characters", problems)
    kind = raw.get("kind") or (_infer_kind(kato, name_ru) if name_ru else None)
    require(kind in UNIT_KINDS, "kind",
            f"one of {', '.join(UNIT_KINDS)} (the name does not tell; give the kind column)",
            problems)
    if kind == VILLAGE:
        require(kato[6:] != "000", "kind", "a village has its own HIJ digits (not 000)", problems)
    elif kind in (TOWN, RURAL_DISTRICT):
        require(kato[6:] == "000", "kind", f"a {kind} has HIJ digits 000", problems)
    urban = _count(raw.get("urban_population"), "urban_population", problems)
    rural = _count(raw.get("rural_population"), "rural_population", problems)
    year = raw.get("population_year")
    population_year = None
    if year is not None:
        population_year = int(year) if year.isdigit() else None
        require(population_year is not None and 1999 <= population_year <= 2100,
                "population_year", "a year such as 2025", problems)
    if urban is not None or rural is not None:
        require(population_year is not None, "population_year",
                "required with a population figure", problems)
    flags = sorted({f.strip() for f in (raw.get("flags") or "").split(";") if f.strip()})
    unknown = [f for f in flags if f not in FLAGS]
    require(not unknown, "flags", f"unknown flags {', '.join(unknown)}; known: "
            f"{', '.join(FLAGS)}", problems)
    agglomeration = raw.get("agglomeration")
    if agglomeration is not None:
        require(agglomeration in AGGLOMERATIONS, "agglomeration",
                f"one of {', '.join(AGGLOMERATIONS)}", problems)
        require(agglomeration not in AGGLOMERATIONS or agglomeration_in_region(agglomeration,
                                                                                region),
                "agglomeration", f"not part of region {region}", problems)
        if "agglomeration_member" not in flags:
            flags = sorted({*flags, "agglomeration_member"})
    elif "agglomeration_member" in flags:
        require(False, "agglomeration", "required with the agglomeration_member flag", problems)
    if problems:
        return None, problems
    return {
        "kato": kato, "region_code": region, "kind": kind, "name_ru": name_ru,
        "name_kk": name_kk, "parent_kato": kato[:6] + "000" if kind == VILLAGE else None,
        "urban_population": urban, "rural_population": rural,
        "population_year": population_year,
        "population_source": raw.get("population_source"),
        "flags": flags, "agglomeration": agglomeration,
    }, {}


def parse_register_csv(text_lines: Iterable[str]) -> Iterator[tuple[int, dict | Skipped | RowErrors]]:
    """Rows of the register file, one at a time: ``(row_number, unit | Skipped | RowErrors)``.

    A header without ``te`` and ``rus_name`` raises ``ValidationFailed`` at the first ``next()``.
    Row numbers count physical lines after the comment lines (the header is row 1)."""
    reader = csv_rows.reader(_strip_comments(text_lines))
    columns = csv_rows.read_header(reader, REQUIRED_COLUMNS, fold_case=True)
    index = {n: columns[n] for n in (*KATO_COLUMNS, *REGISTER_COLUMNS) if n in columns}
    for row, record in csv_rows.records(reader, max(columns.values()) + 1):
        if isinstance(record, RowErrors):
            yield row, record
            continue
        raw = {name: (record[i].strip() or None) for name, i in index.items()}
        unit, problems = check_unit(raw)
        yield row, (RowErrors(problems) if problems else unit)


def unit_changed(stored: Mapping | None, unit: Mapping) -> bool:
    return stored is None or any(stored.get(k) != unit.get(k) for k in UNIT_FIELDS)


def population(unit: Mapping) -> int:
    return int(unit.get("urban_population") or 0) + int(unit.get("rural_population") or 0)


# --- assessments --------------------------------------------------------------------------------

def _pct(value, name: str, problems: dict) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        require(False, name, "a percentage 0..100", problems)
        return None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        require(False, name, "a percentage 0..100", problems)
        return None
    return number.quantize(PCT, rounding=ROUND_HALF_EVEN)


def new_assessment(settlement: Mapping, year: int, coverage: Mapping, *, source: dict,
                   config: SrsAssessmentSettings = DEFAULT_SRS_SETTINGS) -> dict:
    """The assessment of one settlement in one year, or ``ValidationFailed`` naming the field.

    ``coverage`` maps standards to percentages (a standard left out or null is not assessed);
    ``source`` says where the figures come from (manual entry by whom, or an import file)."""
    problems: dict = {}
    require(settlement["kind"] in SETTLEMENT_KINDS, "kato",
            f"only towns and villages are assessed; {settlement['kato']} is a "
            f"{settlement['kind']}", problems)
    require(isinstance(year, int) and 2000 <= year <= 2100, "year", "a year such as 2025",
            problems)
    unknown = sorted(set(coverage) - set(SRS_STANDARDS))
    require(not unknown, "coverage", f"unknown standards {', '.join(unknown)}; known: "
            f"{', '.join(SRS_STANDARDS)}", problems)
    values = {std: _pct(coverage.get(std), f"coverage.{std}", problems) for std in SRS_STANDARDS}
    require(any(v is not None for v in values.values()), "coverage",
            "give the coverage of at least one standard", problems)
    raise_if_problems(problems, "invalid SRS assessment")
    assessed = [v for v in values.values() if v is not None]
    provision = (sum(assessed, Decimal(0)) / len(assessed)).quantize(PCT, ROUND_HALF_EVEN)
    missed = [std for std, v in values.items() if v is not None and v < config.standard_met_pct]
    complete = len(assessed) == len(SRS_STANDARDS)
    return {
        "kato": settlement["kato"], "region_code": settlement["region_code"],
        "kind": settlement["kind"], "year": year, "coverage": values,
        "provision_pct": provision, "standards_missed": missed,
        "meets_srs": complete and not missed, "complete": complete,
        "population": population(settlement),
        "population_year": settlement.get("population_year"), "source": source,
    }


# --- roll-up ------------------------------------------------------------------------------------

def _weighted(pairs: list[tuple[Decimal, int]]) -> Decimal | None:
    weight = sum(w for _, w in pairs)
    if not weight:
        return None
    return (sum((v * w for v, w in pairs), Decimal(0)) / weight).quantize(PCT, ROUND_HALF_EVEN)


def srs_rollup(settlements: Iterable[Mapping], assessments: Iterable[Mapping], *,
               year: int | None) -> dict:
    """The population-weighted SRS figures of the settlements given (a region, or the country).

    A settlement without population or without an assessment that year weighs nothing; the basis
    says how much of the register the figures rest on."""
    by_kato = {a["kato"]: a for a in assessments}
    towns, villages, rural_meets = [], [], []
    counts = {TOWN: [0, 0], VILLAGE: [0, 0]}  # registered, assessed
    population_total = population_assessed = 0
    for unit in settlements:
        if unit["kind"] not in SETTLEMENT_KINDS:
            continue
        counts[unit["kind"]][0] += 1
        people = population(unit)
        population_total += people
        assessment = by_kato.get(unit["kato"])
        if assessment is None:
            continue
        counts[unit["kind"]][1] += 1
        population_assessed += people
        pair = (Decimal(str(assessment["provision_pct"])), people)
        if unit["kind"] == TOWN:
            towns.append(pair)
        else:
            villages.append(pair)
            rural_meets.append((Decimal(100) if assessment.get("meets_srs") else Decimal(0),
                                people))
    return {
        "year": year,
        "cities_pct": _weighted(towns),
        "rural_pct": _weighted(villages),
        "rural_population_pct": _weighted(rural_meets),
        "basis": {
            "towns_registered": counts[TOWN][0], "towns_assessed": counts[TOWN][1],
            "villages_registered": counts[VILLAGE][0], "villages_assessed": counts[VILLAGE][1],
            "population_registered": population_total,
            "population_assessed": population_assessed,
            "weighting": "population of the register (urban + rural)",
            "source": "settlement SRS assessments of the hub's register",
        },
    }


def scorecard_srs_record(rollup: Mapping, region_code: str, as_of: date) -> dict | None:
    """The roll-up in the shape of a region's recorded SRS values (what the scorecards read), or
    None when no settlement of the region is assessed."""
    if all(rollup.get(k) is None for k in ("cities_pct", "rural_pct", "rural_population_pct")):
        return None
    basis = rollup["basis"]
    return {"region_code": region_code, "cities_pct": rollup["cities_pct"],
            "rural_pct": rollup["rural_pct"],
            "rural_population_pct": rollup["rural_population_pct"],
            "source": (f"settlement SRS assessments {rollup['year']}: "
                       f"{basis['towns_assessed']} towns, {basis['villages_assessed']} villages "
                       "of the register, weighted by population"),
            "as_of": as_of, "recorded_by": "system:hub", "recorded_at": None}


def gap_list(settlements: Iterable[Mapping], assessments: Iterable[Mapping],
             projects: Iterable[Mapping], *, standard: str | None = None) -> dict:
    """Which settlements miss which standard, with the investment projects that name the gap.

    ``projects`` are hub project documents carrying ``srs_gaps`` ([{kato, standard}])."""
    closing: dict[tuple[str, str], list[dict]] = {}
    for project in projects:
        if project.get("stage") == "cancelled":
            continue
        for gap in project.get("srs_gaps") or []:
            closing.setdefault((gap["kato"], gap["standard"]), []).append(
                {"project_id": project["project_id"], "title": project.get("title"),
                 "stage": project.get("stage")})
    by_kato = {a["kato"]: a for a in assessments}
    items, not_assessed = [], 0
    for unit in sorted(settlements, key=lambda u: u["kato"]):
        if unit["kind"] not in SETTLEMENT_KINDS:
            continue
        assessment = by_kato.get(unit["kato"])
        if assessment is None:
            not_assessed += 1
            continue
        missed = [s for s in assessment["standards_missed"] if standard in (None, s)]
        if not missed:
            continue
        items.append({
            "kato": unit["kato"], "name_ru": unit.get("name_ru"), "kind": unit["kind"],
            "population": population(unit), "flags": unit.get("flags", []),
            "provision_pct": assessment["provision_pct"],
            "gaps": [{"standard": s, "coverage_pct": assessment["coverage"][s],
                      "projects": closing.get((unit["kato"], s), [])} for s in missed],
        })
    return {"items": items, "settlements_with_gaps": len(items),
            "settlements_not_assessed": not_assessed}
