"""Register of civil-service post categories, ranked on one ladder so categories compare.

The register of civil-service positions (Decree of the President No. 150 of 2015, as amended)
grades corps B posts by the level of the body, one letter per level:

* ``B-…`` the apparatus of the Parliament's chambers, the Prime Minister's Office and bodies of
  that standing (platform org kind ``central``);
* ``C-…`` central state bodies: ministries, agencies and their committees (``central``);
* ``D-…`` oblast level: akimats of oblasts, of the cities of republican significance and of the
  capital, and their departments (``regional``);
* ``E-…`` district level: akimats of districts and cities of regional significance (``district``);
* ``E-G-…`` apparatus of akims of towns of district significance, villages, settlements and rural
  districts (``district``: the platform keeps them under the district's bodies).

Corps A (administrative management posts) is graded separately (``A-…``). Source of the letters:
:data:`REGISTER_SOURCE`; the number of grades in each series is the platform's reading and is
marked as such there. Whether "D-2 is at least as high as C-4" is a policy choice, so every
category carries a ``rank`` on a common ladder (higher = more senior) and the register is data
handed to the rules through ``PersonnelSettings.categories``, never constants in them.
"""
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping

from services.personnel.contract.lists import CORPS, ORG_KINDS  # noqa: F401  (re-exported)

# Where each series comes from and how far it was checked (confirmed / secondary / unverified).
REGISTER_SOURCE = MappingProxyType({
    "source": ("Decree of the President of the Republic of Kazakhstan No. 150 of 29 December 2015 "
               "approving the register of civil-service positions, as amended; letters per level "
               "as summarised in the platform's domain reference"),
    "letters": "secondary",  # B apex bodies, C central, D oblast, E district, E-G rural akims
    "grades_per_series": "unverified",  # confirm the last grade of each series in the register
    "ranks": "assumed",  # the common ladder is the platform's policy, not the register's
})


@dataclass(frozen=True)
class Category:
    code: str
    corps: str  # "A" or "B"
    level: str  # central | regional | district | rural | any
    rank: int  # position on the common ladder; higher = more senior
    org_kinds: frozenset[str]  # kinds of body whose posts may carry this category


class CategoryRegister:
    """Immutable lookup of categories by code, with rank comparisons."""

    def __init__(self, categories: Iterable[Category]):
        by_code = {}
        for category in categories:
            if category.code in by_code:
                raise ValueError(f"category {category.code} listed twice")
            if category.corps not in CORPS:
                raise ValueError(f"category {category.code}: corps must be one of {CORPS}")
            unknown_kinds = set(category.org_kinds) - set(ORG_KINDS)
            if unknown_kinds:
                raise ValueError(f"category {category.code}: unknown org kinds {sorted(unknown_kinds)}")
            by_code[category.code] = category
        self._by_code: Mapping[str, Category] = MappingProxyType(by_code)

    def __contains__(self, code) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self._by_code.values())

    def codes(self) -> list[str]:
        return list(self._by_code)

    def get(self, code: str) -> Category:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown category {code!r}") from None

    def rank(self, code: str) -> int:
        return self.get(code).rank

    def at_least(self, candidate: str, reference: str) -> bool:
        """True when ``candidate`` ranks at least as high as ``reference`` ("at least the same category")."""
        return self.rank(candidate) >= self.rank(reference)

    def step(self, from_code: str, to_code: str) -> int:
        """Ladder steps from one category to another: positive is a promotion, negative a step down."""
        return self.rank(to_code) - self.rank(from_code)

    def allowed_for(self, code: str, org_kind: str) -> bool:
        return org_kind in self.get(code).org_kinds

    def for_org_kind(self, org_kind: str, corps: str | None = None) -> list[str]:
        """Codes a body of ``org_kind`` may use, most senior first."""
        found = [c for c in self._by_code.values()
                 if org_kind in c.org_kinds and (corps is None or c.corps == corps)]
        return [c.code for c in sorted(found, key=lambda c: (-c.rank, c.code))]


def _series(prefix: str, corps: str, level: str, top_rank: int, count: int,
            org_kinds: Iterable[str]) -> list[Category]:
    kinds = frozenset(org_kinds)
    return [Category(f"{prefix}-{n}", corps, level, top_rank - (n - 1), kinds)
            for n in range(1, count + 1)]


def default_category_register() -> CategoryRegister:
    """The platform's default ladder (an assumption: see :data:`REGISTER_SOURCE`).

    C-1..C-6 (central bodies) rank 10..5 and the apex bodies' B-n sit one above the same C-n; an
    oblast D-1 (head of an akimat department) sits level with a central C-3 (head of a ministry
    division), a district E-1 level with C-5, a rural akim's office E-G-1 level with C-6... so one
    step on the ladder is one grade of responsibility whatever the body.
    """
    return CategoryRegister([
        *_series("A", "A", "any", 14, 4, ORG_KINDS),
        *_series("B", "B", "central", 11, 6, ("central",)),
        *_series("C", "B", "central", 10, 6, ("central",)),
        *_series("D", "B", "regional", 8, 6, ("regional",)),
        *_series("E", "B", "district", 6, 5, ("district",)),
        *_series("E-G", "B", "rural", 4, 4, ("district",)),
    ])
