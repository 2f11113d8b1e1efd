"""Reference data every service validates against: Kazakhstan's 20 regions and 5 agglomerations.

Codes are ISO 3166-2:KZ as in force since November 2022 (the two digits are the first two digits of
the region's KATO code). Agglomerations and their member territories follow the decree of
19 June 2023; they are data (``data/agglomerations.json``), each member with its source and how
far it was checked.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

AGGLOMERATIONS_FILE = Path(__file__).with_name("data") / "agglomerations.json"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    centre: str | None  # None for the cities of republican significance
    kind: str  # "region" or "city"


@dataclass(frozen=True)
class Agglomeration:
    code: str
    name: str
    level: int  # 1: Astana, Almaty, Shymkent; 2: Aktobe, Karaganda
    region_codes: tuple[str, ...]  # regions whose territory the agglomeration covers
    members: tuple[str, ...]  # core city and districts / towns around it
    member_details: tuple[dict, ...] = field(default=(), compare=False)  # kind, region, source


@dataclass(frozen=True)
class AgglomerationMember:
    name: str
    kind: str
    region_code: str
    source: str
    quality: str


_REGIONS = [
    Region("KZ-10", "Abai region", "Semey", "region"),
    Region("KZ-11", "Akmola region", "Kokshetau", "region"),
    Region("KZ-15", "Aktobe region", "Aktobe", "region"),
    Region("KZ-19", "Almaty region", "Konaev", "region"),
    Region("KZ-23", "Atyrau region", "Atyrau", "region"),
    Region("KZ-27", "West Kazakhstan region", "Oral", "region"),
    Region("KZ-31", "Zhambyl region", "Taraz", "region"),
    Region("KZ-33", "Jetisu region", "Taldykorgan", "region"),
    Region("KZ-35", "Karaganda region", "Karaganda", "region"),
    Region("KZ-39", "Kostanay region", "Kostanay", "region"),
    Region("KZ-43", "Kyzylorda region", "Kyzylorda", "region"),
    Region("KZ-47", "Mangystau region", "Aktau", "region"),
    Region("KZ-55", "Pavlodar region", "Pavlodar", "region"),
    Region("KZ-59", "North Kazakhstan region", "Petropavl", "region"),
    Region("KZ-61", "Turkistan region", "Turkistan", "region"),
    Region("KZ-62", "Ulytau region", "Zhezkazgan", "region"),
    Region("KZ-63", "East Kazakhstan region", "Oskemen", "region"),
    Region("KZ-71", "Astana", None, "city"),
    Region("KZ-75", "Almaty", None, "city"),
    Region("KZ-79", "Shymkent", None, "city"),
]

# An agglomeration spans the core city and the districts of the surrounding region, so a project
# in, say, Talgar district (Almaty region, KZ-19) belongs to the Almaty agglomeration too.
def load_agglomerations(path: Path | str = AGGLOMERATIONS_FILE) -> list[Agglomeration]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    sources = document["sources"]
    found = []
    for entry in document["agglomerations"]:
        members = []
        for member in entry["members"]:
            if member["region_code"] not in entry["region_codes"]:
                raise ValueError(f"{entry['code']}: member {member['name']} lies outside its regions")
            if member["source"] not in sources:
                raise ValueError(f"{entry['code']}: member {member['name']} names an unknown source")
            members.append(AgglomerationMember(**{k: member[k] for k in (
                "name", "kind", "region_code", "source", "quality")}))
        found.append(Agglomeration(
            entry["code"], entry["name"], entry["level"], tuple(entry["region_codes"]),
            tuple(m.name for m in members),
            tuple({"name": m.name, "kind": m.kind, "region_code": m.region_code,
                   "source": sources[m.source], "quality": m.quality} for m in members)))
    return found


_AGGLOMERATIONS = load_agglomerations()

REGIONS: dict[str, Region] = {r.code: r for r in _REGIONS}
AGGLOMERATIONS: dict[str, Agglomeration] = {a.code: a for a in _AGGLOMERATIONS}
REGION_CODES: tuple[str, ...] = tuple(REGIONS)


def is_region(code: str) -> bool:
    return code in REGIONS


def agglomeration_in_region(agglomeration_code: str, region_code: str) -> bool:
    agglomeration = AGGLOMERATIONS.get(agglomeration_code)
    return agglomeration is not None and region_code in agglomeration.region_codes


def region_as_dict(region: Region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "centre": region.centre,
        "kind": region.kind,
        "agglomerations": [a.code for a in _AGGLOMERATIONS if region.code in a.region_codes],
    }
