"""Indexes that let the demo generator match a rotation in time independent of the staff's size.

Matching a rotation once meant filtering and shuffling the whole staff and, for every servant
tried, filtering every post: quadratic, so a country's 50,000 servants and 5,000 rotations never
finished. Here the staff is indexed by the direction a servant could rotate in, the free posts by
(category, side), and both are drawn from at random without a scan:

- ``random_order`` yields a list's items in a uniformly random order, lazily (a Fisher-Yates
  shuffle that swaps only the positions it reaches), so the first match costs what it draws;
- ``FreePosts`` keeps, for each (category, region or the centre), the posts a rotation may target
  (vacant, or being vacated when the rotation does not start before the holder leaves) and not
  claimed by a rotation waiting to start, updated as the commands change posts; and the vacant
  posts of each side, where a returning servant may land.
"""
from collections.abc import Iterable, Iterator

CENTRE = "centre"  # the side key of a central body's posts (they have no region)


def side_of(post: dict) -> str:
    return CENTRE if post["org_kind"] == "central" else post["region_code"]


def random_order(rng, items: list) -> Iterator:
    """``items`` in a uniformly random order, drawn one at a time (``items`` is not changed)."""
    moved: dict[int, int] = {}
    for i in range(len(items)):
        j = rng.randrange(i, len(items))
        picked = moved.get(j, j)
        moved[j] = moved.get(i, i)
        yield items[picked]


class _IndexedSet:
    """A set with O(1) add, remove and draw by position."""

    def __init__(self):
        self.items: list[str] = []
        self.where: dict[str, int] = {}

    def add(self, item: str) -> None:
        if item not in self.where:
            self.where[item] = len(self.items)
            self.items.append(item)

    def discard(self, item: str) -> None:
        at = self.where.pop(item, None)
        if at is None:
            return
        last = self.items.pop()
        if last != item:
            self.items[at] = last
            self.where[last] = at

    def __len__(self) -> int:
        return len(self.items)


class FreePosts:
    """The posts a rotation may target, by (category, side) and by status."""

    STATUSES = ("vacant", "being_vacated")

    def __init__(self, posts: Iterable[dict]):
        self.sides: set[str] = set()
        self.free: dict[tuple[str, str, str], _IndexedSet] = {}
        self.claimed: set[str] = set()
        self.vacant_by_side: dict[str, set[str]] = {}  # claimed or not: a return post may be one
        for post in posts:
            self.sides.add(side_of(post))
            self.update(post)

    def update(self, post: dict) -> None:
        """Re-file ``post`` after a command changed it."""
        vacant = self.vacant_by_side.setdefault(side_of(post), set())
        if post["status"] == "vacant":
            vacant.add(post["position_id"])
        else:
            vacant.discard(post["position_id"])
        for status in self.STATUSES:
            self.free.get((post["category"], side_of(post), status), _IndexedSet()).discard(
                post["position_id"])
        if post["status"] in self.STATUSES and post["position_id"] not in self.claimed:
            key = (post["category"], side_of(post), post["status"])
            self.free.setdefault(key, _IndexedSet()).add(post["position_id"])

    def claim(self, post: dict) -> None:
        """A rotation waits to start into ``post``: no other rotation may target it."""
        self.claimed.add(post["position_id"])
        self.update(post)

    def target_sides(self, direction: str, origin: dict) -> list[str]:
        if direction == "region_to_centre":
            return [CENTRE]
        if direction == "centre_to_region":
            return sorted(self.sides - {CENTRE})
        return sorted(self.sides - {CENTRE, origin["region_code"]})

    def draw(self, rng, categories: list[str], sides: list[str], starts: bool) -> str | None:
        """A uniformly drawn free post id of ``categories`` on ``sides``, or None."""
        statuses = ("vacant",) if starts else self.STATUSES
        groups = [group for category in categories for side in sides for status in statuses
                  if (group := self.free.get((category, side, status)))]
        total = sum(len(group) for group in groups)
        if not total:
            return None
        at = rng.randrange(total)
        for group in groups:
            if at < len(group):
                return group.items[at]
            at -= len(group)
        raise AssertionError("unreachable: the draw is below the total")
