"""Revenue side of the Unified Budget Classification (EBK) used by local budgets.

A revenue code has six digits: category (1) · class (2) · subclass (1) · specifics (2), e.g.
``104302`` = category 1 (tax revenue) · class 04 (taxes on property) · subclass 3 (land tax) ·
specifics 02 (land tax on settlement land). Categories: 1 tax revenue, 2 non-tax revenue, 3 proceeds
from the sale of fixed capital, 4 transfers received.

The classification shipped in ``data/ebk_revenue_classification.csv`` (columns ``code,level,name``)
is the excerpt the platform needs: every category and class, and the subclasses and specifics that
local budgets book most often. Names are English renderings of the Finance Ministry's classification
(order No. 163 of 11 April 2025). The six codes named in the platform's domain notes (101202,
104102, 104302, 104401, 104402, 105430) and the category / class headings are the reference; the
other specifics were transcribed for the platform and must be checked against the order's annex
before production use. The file is data, so a fuller or newer edition is loaded by passing another
path to :func:`load_classification` without touching code.
"""
import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "ebk_revenue_classification.csv"

LEVELS = ("category", "class", "subclass", "specifics")
_LEVEL_BY_LENGTH = {1: "category", 3: "class", 4: "subclass", 6: "specifics"}

CATEGORY_TAX = 1
CATEGORY_NON_TAX = 2
CATEGORY_CAPITAL_SALES = 3
CATEGORY_TRANSFERS = 4
CATEGORIES = (CATEGORY_TAX, CATEGORY_NON_TAX, CATEGORY_CAPITAL_SALES, CATEGORY_TRANSFERS)
OWN_REVENUE_CATEGORIES = frozenset({CATEGORY_TAX, CATEGORY_NON_TAX, CATEGORY_CAPITAL_SALES})


@dataclass(frozen=True)
class EbkCode:
    """A six-digit revenue code split into its parts (each part as its digits)."""
    code: str

    @property
    def category(self) -> int:
        return int(self.code[0])

    @property
    def class_code(self) -> str:
        """Category and class together, e.g. ``"104"``."""
        return self.code[:3]

    @property
    def subclass_code(self) -> str:
        return self.code[:4]

    @property
    def specifics(self) -> str:
        return self.code[4:]

    def ancestors(self) -> tuple[str, str, str]:
        return self.code[:1], self.class_code, self.subclass_code


class EbkClassification:
    """The codes known to the platform, with their names, looked up by code at any level."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        self._names: dict[str, str] = {}
        self._levels: dict[str, str] = {}
        for code, level, name in rows:
            expected = _LEVEL_BY_LENGTH.get(len(code))
            if not code.isdigit() or expected != level:
                raise ValueError(f"classification row {code!r} is not a {level} code")
            if code in self._names:
                raise ValueError(f"classification lists {code!r} twice")
            self._names[code] = name
            self._levels[code] = level
        for code, level in self._levels.items():
            parent = {"class": code[:1], "subclass": code[:3], "specifics": code[:4]}.get(level)
            if parent is not None and parent not in self._names:
                raise ValueError(f"classification lists {code!r} without its parent {parent!r}")

    def __contains__(self, code: str) -> bool:
        return code in self._names

    def name(self, code: str) -> str | None:
        return self._names.get(code)

    def level(self, code: str) -> str | None:
        return self._levels.get(code)

    def codes(self, level: str | None = None) -> list[str]:
        return sorted(c for c, lv in self._levels.items() if level is None or lv == level)

    def describe(self, code: str) -> dict:
        """Names of a revenue code and of each of its parents (for reports and OFDP rows)."""
        parsed = EbkCode(code)
        category, class_code, subclass_code = parsed.ancestors()
        return {
            "ebk_code": code,
            "name": self.name(code),
            "category": category,
            "category_name": self.name(category),
            "class": class_code,
            "class_name": self.name(class_code),
            "subclass": subclass_code,
            "subclass_name": self.name(subclass_code),
        }

    def problems(self, raw) -> list[str]:
        """Reasons why ``raw`` is not a usable revenue code (empty list when it is one).

        Revenue lines are booked at the most detailed level, so only known six-digit specifics
        codes are accepted.
        """
        if not isinstance(raw, str):
            return ["must be a 6-digit string"]
        if len(raw) != 6 or not raw.isdigit():
            return ["must be exactly 6 digits: category(1) class(2) subclass(1) specifics(2)"]
        if int(raw[0]) not in CATEGORIES:
            return [f"unknown category {raw[0]}: revenue categories are 1, 2, 3 and 4"]
        if raw not in self._names:
            known_parent = next((p for p in (raw[:4], raw[:3]) if p in self._names), None)
            hint = f" (class/subclass {known_parent} exists)" if known_parent else ""
            return [f"unknown revenue code {raw}{hint}"]
        return []

    def parse(self, raw) -> EbkCode:
        """The :class:`EbkCode` for a known code; ``ValueError`` with the reason otherwise."""
        problems = self.problems(raw)
        if problems:
            raise ValueError(problems[0])
        return EbkCode(raw)


def load_classification(path: Path | str = DATA_FILE) -> EbkClassification:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [(r["code"].strip(), r["level"].strip(), r["name"].strip())
                for r in csv.DictReader(handle)]
    return EbkClassification(rows)


@lru_cache(maxsize=1)
def default_classification() -> EbkClassification:
    """The shipped classification, read once per process."""
    return load_classification()


def category_of(code: str) -> int:
    """Revenue category (1–4) of a six-digit code already validated."""
    return int(code[0])


def is_own_revenue(code: str) -> bool:
    return category_of(code) in OWN_REVENUE_CATEGORIES
