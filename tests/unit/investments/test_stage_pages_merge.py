"""Merging the marked projects into a stored first page: dropped, moved, added, and never trusted
below the stored rows' last one unless the page holds the whole stage."""
from services.investments.stage_pages import merge


def row(project_id: str, ms: int) -> dict:
    return {"id": project_id, "ms": ms, "item": {"id": project_id}}


STORED = [row("c", 30), row("b", 20), row("a", 10)]  # newest first


def ids(rows):
    return [r["id"] for r in rows]


def test_a_marked_project_that_left_the_stage_is_dropped_and_one_that_came_is_placed():
    assert ids(merge(STORED, False, [("b", None), ("n", row("n", 25))])) == ["c", "n", "a"]


def test_a_marked_project_in_the_page_is_replaced_by_its_current_row():
    merged = merge(STORED, False, [("b", {**row("b", 20), "item": {"id": "b", "v": 2}})])
    assert ids(merged) == ["c", "b", "a"] and merged[1]["item"] == {"id": "b", "v": 2}


def test_below_the_last_stored_row_nothing_is_added_unless_the_page_is_complete():
    older = [("o", row("o", 5))]
    assert ids(merge(STORED, False, older)) == ["c", "b", "a"]
    assert ids(merge(STORED, True, older)) == ["c", "b", "a", "o"]
    # the boundary stays the stored last row even when that project left the stage
    assert ids(merge(STORED, False, [("a", None), ("o", row("o", 5))])) == ["c", "b"]


def test_ties_on_the_creation_instant_are_ordered_by_id_descending():
    assert ids(merge([row("x", 10)], True, [("y", row("y", 10)), ("w", row("w", 10))])) \
        == ["y", "x", "w"]


def test_an_incomplete_page_without_rows_trusts_nothing():
    assert merge([], False, [("n", row("n", 99))]) == []
    assert ids(merge([], True, [("n", row("n", 99))])) == ["n"]
