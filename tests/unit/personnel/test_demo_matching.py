"""The demo generator's matching indexes: a lazy random order and the free posts by category/side."""
import random
from collections import Counter

from services.personnel.application.demo_matching import CENTRE, FreePosts, random_order


def post(position_id, *, status="vacant", category="B-4", region="KZ-10", kind="regional"):
    return {"position_id": position_id, "status": status, "category": category,
            "region_code": None if kind == "central" else region, "org_kind": kind}


def test_random_order_is_a_permutation_and_leaves_the_list():
    items = list(range(50))
    drawn = list(random_order(random.Random(3), items))
    assert sorted(drawn) == items and drawn != items and items == list(range(50))


def test_random_order_puts_every_item_first_about_equally_often():
    rng = random.Random(5)
    firsts = Counter(next(random_order(rng, "abcd")) for _ in range(4000))
    assert set(firsts) == set("abcd") and all(800 < n < 1200 for n in firsts.values())


def test_a_draw_takes_only_free_unclaimed_posts_of_the_asked_categories_and_sides():
    posts = [post("v1"), post("v2", category="B-3"), post("busy", status="occupied"),
             post("leaving", status="being_vacated"), post("c1", kind="central"),
             post("other-region", region="KZ-11")]
    free = FreePosts(posts)
    rng = random.Random(1)
    draws = {free.draw(rng, ["B-4"], ["KZ-10"], starts=False) for _ in range(200)}
    assert draws == {"v1", "leaving"}
    assert {free.draw(rng, ["B-4"], ["KZ-10"], starts=True) for _ in range(50)} == {"v1"}
    free.claim(posts[0])
    assert free.draw(rng, ["B-4"], ["KZ-10"], starts=True) is None
    assert free.draw(rng, ["B-4"], [CENTRE], starts=True) == "c1"
    assert "v1" in free.vacant_by_side["KZ-10"]  # claimed, still a possible return post


def test_a_post_changed_by_a_command_is_refiled():
    vacant = post("p1")
    free = FreePosts([vacant])
    free.update({**vacant, "status": "occupied"})
    assert free.draw(random.Random(1), ["B-4"], ["KZ-10"], starts=False) is None
    assert "p1" not in free.vacant_by_side["KZ-10"]
    free.update(vacant)
    assert free.draw(random.Random(1), ["B-4"], ["KZ-10"], starts=False) == "p1"


def test_target_sides_follow_the_direction():
    free = FreePosts([post("a"), post("b", region="KZ-11"), post("c", kind="central")])
    origin = post("a")
    assert free.target_sides("region_to_centre", origin) == [CENTRE]
    assert free.target_sides("centre_to_region", post("c", kind="central")) == ["KZ-10", "KZ-11"]
    assert free.target_sides("region_to_region", origin) == ["KZ-11"]
