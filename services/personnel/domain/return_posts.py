"""The return guarantee: a post kept for a rotating servant on the sending side.

A region→centre secondment keeps a post in the servant's home region of at least the category the
servant left (*assumed* rule, ``PersonnelSettings.return_post_required_for``). The post may be the
servant's own post (it turns ``reserved`` when they leave) or a vacant one. On return the servant
takes the reserved post or another free post meeting the same conditions.
"""
from services.common.errors import RuleViolation
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings


def on_home_side(rotation: dict, post: dict) -> bool:
    """Is ``post`` where the servant returns to? The home region, or the centre for central staff."""
    if rotation["direction"] == "centre_to_region":
        return post["org_kind"] == "central"
    return post["org_kind"] != "central" and post["region_code"] == rotation["home_region"]


def return_post_problem(rotation: dict, post: dict, *, servant_id: str, on_return: bool,
                        settings: PersonnelSettings = DEFAULT_SETTINGS) -> RuleViolation | None:
    """Why ``post`` cannot be the return post of ``rotation``, or None.

    Before the start (``on_return`` False) the servant's own post qualifies; on return only a
    vacant post or the one reserved for this rotation does.
    """
    rotation_id = rotation["rotation_id"]
    base = {"position_id": post["position_id"]}
    if not on_home_side(rotation, post):
        where = "a central body" if rotation["direction"] == "centre_to_region" else rotation["home_region"]
        return RuleViolation(f"return post must be in {where}",
                             {"rule": "return_post_region", **base, "expected": where})
    register = settings.categories
    if (post["category"] not in register or rotation["from_category"] not in register
            or not register.at_least(post["category"], rotation["from_category"])
            or (post["corps"] != rotation["from_corps"] and not settings.allow_corps_change)):
        return RuleViolation(
            f"return post must be at least category {rotation['from_category']}",
            {"rule": "return_post_category", **base, "category": post["category"],
             "required_at_least": rotation["from_category"]})
    reserved_here = post.get("reserved_for") == rotation_id
    own_post = (not on_return and post["status"] == "occupied" and post.get("holder") == servant_id
                and post.get("reserved_for") in (None, rotation_id))
    if not (post["status"] == "vacant" or reserved_here or own_post):
        return RuleViolation("return post is not free", {
            "rule": "return_post_unavailable", **base, "status": post["status"]})
    return None


def pick_return_post(rotation: dict, candidates, *, servant_id: str, on_return: bool = False,
                     settings: PersonnelSettings = DEFAULT_SETTINGS) -> dict | None:
    """The best qualifying post among ``candidates``.

    Preference: already reserved for this rotation, then the servant's own post, then the lowest
    qualifying category (keeps senior posts for others), then the servant's old body, then id.
    """
    register = settings.categories
    fitting = [p for p in candidates
               if return_post_problem(rotation, p, servant_id=servant_id, on_return=on_return,
                                      settings=settings) is None]
    if not fitting:
        return None
    return min(fitting, key=lambda p: (
        p.get("reserved_for") != rotation["rotation_id"],
        p.get("holder") != servant_id,
        register.rank(p["category"]),
        p["org_id"] != rotation["from_org_id"],
        p["position_id"]))


def return_post_record(post: dict, *, by: str, at) -> dict:
    return {"position_id": post["position_id"], "org_id": post["org_id"],
            "category": post["category"], "region_code": post["region_code"],
            "reserved_by": by, "reserved_at": at}
