"""Revenue side of the Unified Budget Classification (EBK) used by local budgets, per fiscal year.

A revenue code has six digits: category (1) · class (2) · subclass (1) · specifics (2), e.g.
``104302`` = category 1 (tax revenue) · class 04 (taxes on property) · subclass 3 (land tax) ·
specifics 02 (land tax on settlement land).

The classification is versioned by fiscal year (``data/ebk_editions.json``): up to FY2025 the
categories are 1 tax, 2 non-tax, 3 sale of fixed capital, 4 transfers received; from FY2026 the
Budget Code of 15 March 2025 puts "special receipts" between capital sales and transfers, so
special receipts are category 4 and transfers category 5. A line is checked against the edition of
its fiscal year, and the indicators, the consolidation rule and the OFDP export read the meaning of
a category from that edition, never from the digit alone.

Each edition's CSV (columns ``code,level,name,source,quality``) is the excerpt the platform needs:
every category and class, and the subclasses and specifics local budgets book most often, each row
naming its source (a key of the manifest's ``sources``) and how far it was checked. A fuller or
newer edition is data: pass another manifest to :func:`load_editions`.
"""
import csv
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # services/budgets/data
EDITIONS_FILE = DATA_DIR / "ebk_editions.json"
DATA_FILE = DATA_DIR / "ebk_revenue_fy2025.csv"  # the FY2025 edition alone (older callers)

LEVELS = ("category", "class", "subclass", "specifics")
_LEVEL_BY_LENGTH = {1: "category", 3: "class", 4: "subclass", 6: "specifics"}
QUALITIES = ("confirmed", "secondary", "unverified")

# What a category means; its digit depends on the edition.
TAX, NON_TAX, CAPITAL_SALES, SPECIAL_RECEIPTS, TRANSFERS = (
    "tax", "non_tax", "capital_sales", "special_receipts", "transfers")
KINDS = (TAX, NON_TAX, CAPITAL_SALES, SPECIAL_RECEIPTS, TRANSFERS)
OWN_REVENUE_KINDS = frozenset({TAX, NON_TAX, CAPITAL_SALES})

FY2025_CATEGORIES = {1: TAX, 2: NON_TAX, 3: CAPITAL_SALES, 4: TRANSFERS}
FY2025_CONSOLIDATION_EXCLUDED = ("401", "4022", "4023")

# FY2025 digits, kept for callers that only ever see FY2025 lines.
CATEGORY_TAX, CATEGORY_NON_TAX, CATEGORY_CAPITAL_SALES, CATEGORY_TRANSFERS = 1, 2, 3, 4
CATEGORIES = (1, 2, 3, 4)
OWN_REVENUE_CATEGORIES = frozenset({1, 2, 3})

# Transfer sub-codes under class x02 (transfers from higher-level bodies): x021 republican,
# x022 oblast / city of republican significance / capital, x023 district. Specifics: 01 earmarked
# current, 02 earmarked development, 03 subvention.
_TRANSFER_SOURCES = {"republican": "1", "oblast": "2", "district": "3"}
_TRANSFER_FORMS = {"earmarked_current": "01", "earmarked_development": "02", "subvention": "03"}


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


@dataclass(frozen=True)
class EditionInfo:
    """What an edition says about its categories, beside its codes."""
    edition: str = "FY2025"
    first_fiscal_year: int | None = None
    last_fiscal_year: int | None = None
    categories: dict = field(default_factory=lambda: dict(FY2025_CATEGORIES))
    consolidation_excluded_prefixes: tuple[str, ...] = FY2025_CONSOLIDATION_EXCLUDED
    source: str | None = None

    def covers(self, fiscal_year: int) -> bool:
        return ((self.first_fiscal_year is None or fiscal_year >= self.first_fiscal_year)
                and (self.last_fiscal_year is None or fiscal_year <= self.last_fiscal_year))

    def span(self) -> str:
        first = self.first_fiscal_year or "…"
        last = self.last_fiscal_year or "…"
        return f"FY{first}–FY{last}" if first != last else f"FY{first}"


class EbkClassification:
    """The codes of one edition, with their names, looked up by code at any level."""

    def __init__(self, rows, info: EditionInfo | None = None, sources: dict | None = None):
        self.info = info or EditionInfo()
        self._names: dict[str, str] = {}
        self._levels: dict[str, str] = {}
        self._provenance: dict[str, tuple[str | None, str | None]] = {}
        for row in rows:
            code, level, name = row[:3]
            source, quality = (tuple(row[3:5]) + (None, None))[:2]
            expected = _LEVEL_BY_LENGTH.get(len(code))
            if not code.isdigit() or expected != level:
                raise ValueError(f"classification row {code!r} is not a {level} code")
            if code in self._names:
                raise ValueError(f"classification lists {code!r} twice")
            if sources is not None and source not in sources:
                raise ValueError(f"classification row {code!r} names unknown source {source!r}")
            if quality is not None and quality not in QUALITIES:
                raise ValueError(f"classification row {code!r}: quality must be one of {QUALITIES}")
            self._names[code] = name
            self._levels[code] = level
            self._provenance[code] = (source, quality)
        for code, level in self._levels.items():
            parent = {"class": code[:1], "subclass": code[:3], "specifics": code[:4]}.get(level)
            if parent is not None and parent not in self._names:
                raise ValueError(f"classification lists {code!r} without its parent {parent!r}")
        unnamed = [str(d) for d in self.info.categories if str(d) not in self._names]
        if unnamed:
            raise ValueError(f"edition {self.info.edition} has no heading for categories {unnamed}")
        unknown = set(self.info.categories.values()) - set(KINDS)
        if unknown:
            raise ValueError(f"edition {self.info.edition}: unknown category kinds {sorted(unknown)}")

    def __contains__(self, code: str) -> bool:
        return code in self._names

    @property
    def edition(self) -> str:
        return self.info.edition

    def for_year(self, fiscal_year) -> "EbkClassification":
        """One edition answers for every year it is asked about (see :class:`EbkEditions`)."""
        return self

    def name(self, code: str) -> str | None:
        return self._names.get(code)

    def level(self, code: str) -> str | None:
        return self._levels.get(code)

    def provenance(self, code: str) -> dict:
        source, quality = self._provenance.get(code, (None, None))
        return {"source": source, "quality": quality}

    def codes(self, level: str | None = None) -> list[str]:
        return sorted(c for c, lv in self._levels.items() if level is None or lv == level)

    @property
    def category_digits(self) -> tuple[int, ...]:
        return tuple(sorted(int(d) for d in self.info.categories))

    def kind_of(self, code: str) -> str | None:
        """What the category of ``code`` is in this edition (``tax`` … ``transfers``)."""
        return self.info.categories.get(int(code[0])) if code[:1].isdigit() else None

    def category_of_kind(self, kind: str) -> int | None:
        return next((d for d, k in self.info.categories.items() if k == kind), None)

    def is_own_revenue(self, code: str) -> bool:
        return self.kind_of(code) in OWN_REVENUE_KINDS

    def is_transfer(self, code: str) -> bool:
        return self.kind_of(code) == TRANSFERS

    def excluded_by_consolidation(self, code: str) -> bool:
        return code.startswith(self.info.consolidation_excluded_prefixes)

    def transfer_code(self, source: str, form: str) -> str:
        """The code of a transfer received from a higher budget: ``source`` republican / oblast /
        district, ``form`` earmarked_current / earmarked_development / subvention."""
        code = (f"{self.category_of_kind(TRANSFERS)}02{_TRANSFER_SOURCES[source]}"
                f"{_TRANSFER_FORMS[form]}")
        if code not in self._names:
            raise KeyError(f"edition {self.edition} has no code for {form} from {source}")
        return code

    def describe(self, code: str) -> dict:
        """Names of a revenue code and of each of its parents (for reports and OFDP rows)."""
        parsed = EbkCode(code)
        category, class_code, subclass_code = parsed.ancestors()
        return {
            "ebk_code": code,
            "name": self.name(code),
            "category": category,
            "category_name": self.name(category),
            "category_kind": self.kind_of(code),
            "class": class_code,
            "class_name": self.name(class_code),
            "subclass": subclass_code,
            "subclass_name": self.name(subclass_code),
            "edition": self.edition,
        }

    def problems(self, raw) -> list[str]:
        """Reasons why ``raw`` is not a usable revenue code of this edition (empty when it is).

        Revenue lines are booked at the most detailed level, so only known six-digit specifics
        codes are accepted.
        """
        if not isinstance(raw, str):
            return ["must be a 6-digit string"]
        if len(raw) != 6 or not raw.isdigit():
            return ["must be exactly 6 digits: category(1) class(2) subclass(1) specifics(2)"]
        digits = self.category_digits
        if int(raw[0]) not in digits:
            listed = ", ".join(f"{d} {self.info.categories[d]}" for d in digits)
            return [f"unknown category {raw[0]}: {self.info.span()} revenue categories are "
                    f"{listed}"]
        if raw not in self._names:
            known_parent = next((p for p in (raw[:4], raw[:3]) if p in self._names), None)
            hint = f" (class/subclass {known_parent} exists)" if known_parent else ""
            return [f"unknown revenue code {raw} in the {self.edition} classification{hint}"]
        return []

    def parse(self, raw) -> EbkCode:
        """The :class:`EbkCode` for a known code; ``ValueError`` with the reason otherwise."""
        problems = self.problems(raw)
        if problems:
            raise ValueError(problems[0])
        return EbkCode(raw)


class EbkEditions:
    """Every edition, each answering for its span of fiscal years."""

    def __init__(self, editions: list[EbkClassification], sources: dict | None = None):
        if not editions:
            raise ValueError("at least one classification edition is needed")
        self.editions = sorted(editions, key=lambda e: e.info.first_fiscal_year or 0)
        self.sources = dict(sources or {})
        for earlier, later in zip(self.editions, self.editions[1:], strict=False):
            if (earlier.info.last_fiscal_year is None
                    or later.info.first_fiscal_year is None
                    or earlier.info.last_fiscal_year >= later.info.first_fiscal_year):
                raise ValueError(f"editions {earlier.edition} and {later.edition} overlap")

    def for_year(self, fiscal_year) -> EbkClassification:
        year = int(fiscal_year)
        for edition in self.editions:
            if edition.info.covers(year):
                return edition
        raise ValueError(f"no revenue classification covers fiscal year {year}")

    def problems(self, raw, fiscal_year) -> list[str]:
        """Reasons why ``raw`` is not a code of ``fiscal_year``'s edition, naming the code the
        edition uses instead when another edition knows ``raw`` under the same name."""
        edition = self.for_year(fiscal_year)
        found = edition.problems(raw)
        if not found or not isinstance(raw, str):
            return found
        for other in self.editions:
            if other is edition or raw not in other:
                continue
            name = other.name(raw)
            same = [c for c in edition.codes(other.level(raw)) if edition.name(c) == name]
            instead = f": use {same[0]}" if same else ""
            return [f"{raw} is the {other.edition} code of '{name}'; fiscal year "
                    f"{int(fiscal_year)} uses the {edition.edition} classification, where "
                    f"category {raw[0]} is {edition.info.categories.get(int(raw[0]), 'unknown')}"
                    f"{instead}"]
        return found


def _read_rows(path: Path) -> list[tuple]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [tuple((r.get(k) or "").strip() or None if k in ("source", "quality")
                      else r[k].strip() for k in ("code", "level", "name", "source", "quality"))
                for r in csv.DictReader(handle)]


def load_classification(path: Path | str = DATA_FILE,
                        info: EditionInfo | None = None) -> EbkClassification:
    """One edition from its CSV (``source`` and ``quality`` columns optional)."""
    return EbkClassification(_read_rows(Path(path)), info)


def load_editions(path: Path | str = EDITIONS_FILE) -> EbkEditions:
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        manifest = json.load(handle)
    sources = manifest.get("sources", {})
    editions = []
    for entry in manifest["editions"]:
        if entry.get("source") not in sources:
            raise ValueError(f"edition {entry['edition']} names unknown source {entry.get('source')!r}")
        info = EditionInfo(
            edition=entry["edition"], first_fiscal_year=entry.get("first_fiscal_year"),
            last_fiscal_year=entry.get("last_fiscal_year"),
            categories={int(d): kind for d, kind in entry["categories"].items()},
            consolidation_excluded_prefixes=tuple(entry["consolidation_excluded_prefixes"]),
            source=entry["source"])
        editions.append(EbkClassification(_read_rows(path.with_name(entry["file"])), info,
                                          sources))
    return EbkEditions(editions, sources)


@lru_cache(maxsize=1)
def default_editions() -> EbkEditions:
    """The shipped editions, read once per process."""
    return load_editions()


def default_classification() -> EbkClassification:
    """The FY2025 edition (four categories), for callers that handle FY2025 lines only."""
    return default_editions().for_year(2025)


def classification_for_year(fiscal_year) -> EbkClassification:
    return default_editions().for_year(fiscal_year)


def category_of(code: str) -> int:
    """Revenue category digit of a six-digit code already validated (its meaning depends on the
    edition: see :meth:`EbkClassification.kind_of`)."""
    return int(code[0])


def is_own_revenue(code: str, fiscal_year: int = 2025) -> bool:
    return classification_for_year(fiscal_year).is_own_revenue(code)


def transfer_code(fiscal_year: int, source: str, form: str) -> str:
    """The code a budget of ``fiscal_year`` books a transfer from a higher budget under, e.g.
    ``transfer_code(2026, "republican", "subvention") == "502103"``."""
    return classification_for_year(fiscal_year).transfer_code(source, form)
