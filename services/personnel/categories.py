"""Register of civil-service post categories, ranked on one ladder so categories compare.

The statutory register grades corps B posts by level of body (B-… central, C-… oblast, D-…
district, E-… rural) and corps A separately. Whether "C-2 is at least as high as B-4" is a policy
choice, so every category carries a ``rank`` on a common ladder (higher = more senior) and the
register is data handed to the rules through ``PersonnelPolicy.categories``, never constants in them.
"""
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping

CORPS = ("A", "B")
ORG_KINDS = ("central", "regional", "district")


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
    """The platform's default ladder.

    B-1..B-6 (central) rank 10..5; an oblast C-1 (head of an akimat department) sits level with a
    central B-3 (head of a ministry division), a district D-1 level with B-5, a rural E-1 level
    with B-6... so one step on the ladder is one grade of responsibility whatever the body.
    """
    return CategoryRegister([
        *_series("A", "A", "any", 14, 4, ORG_KINDS),
        *_series("B", "B", "central", 10, 6, ("central",)),
        *_series("C", "B", "regional", 8, 6, ("regional",)),
        *_series("D", "B", "district", 6, 5, ("district",)),
        *_series("E", "B", "rural", 4, 4, ("district",)),
    ])
