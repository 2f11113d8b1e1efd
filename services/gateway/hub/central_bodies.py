"""The central executive bodies (ministries, agencies) that file their own 1 April report on the
Concept's Action Plan: a closed list with codes (``data/central_bodies.json``, which names its
source), and the rule that ties an Action Plan measure to the body responsible for it.

A measure names its responsible body in words; a central measure belongs to the body whose
registered name it carries (case and spacing aside). A measure naming a body outside the list
belongs to no reporting body and is listed as such, not guessed.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "central_bodies.json"


@lru_cache(maxsize=1)
def _registry() -> dict:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    bodies = {b["code"]: b for b in data["bodies"]}
    if len(bodies) != len(data["bodies"]):
        raise ValueError(f"{DATA_FILE.name} lists a body code twice")
    return {"bodies": bodies, "source": data["source"], "quality": data["quality"]}


CENTRAL_BODIES: Mapping[str, str] = MappingProxyType(
    {code: body["name"] for code, body in _registry()["bodies"].items()})
CENTRAL_BODY_CODES: tuple[str, ...] = tuple(sorted(CENTRAL_BODIES))
# the body the 1 April reports go to (its analysts acknowledge them)
RECEIVING_BODY = next(code for code, body in _registry()["bodies"].items()
                      if body.get("receives_reports"))


def body_name(code: str) -> str:
    return CENTRAL_BODIES[code]


def registry_source() -> dict:
    return {"kind": "reference", "file_name": DATA_FILE.name,
            "note": _registry()["source"], "quality": _registry()["quality"]}


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def body_of(responsible_body: str) -> str | None:
    """The code of the listed body a measure's ``responsible_body`` names, or None."""
    wanted = _normal(responsible_body)
    for code, name in CENTRAL_BODIES.items():
        if _normal(name) == wanted:
            return code
    return None


def measures_of_body(measures: Iterable[Mapping], code: str) -> list[Mapping]:
    """The central measures the body is responsible for."""
    return [m for m in measures if m.get("level") == "central"
            and body_of(m.get("responsible_body", "")) == code]
