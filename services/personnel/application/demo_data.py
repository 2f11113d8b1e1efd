"""Deterministic demo data for the personnel service, produced by running the domain commands.

``generate_seed()`` builds ~8 central bodies, an akimat and three districts in each of the 20
regions, their posts, a few thousand civil servants with valid IINs, some mandatory-rotation
extensions, and a few hundred rotations in every status. Everything goes through the same
commands the service runs, so the data obeys the rules; the same arguments give the same data.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from services.common.errors import RuleViolation
from services.common.regions import REGIONS
from services.personnel.application.demo_catalogue import (
    CENTRAL_BODIES,
    DIRECTION_MIX,
    DISTRICTS,
    FILL_RATE,
    STAFFING,
    STATUS_MIX,
    UNITS,
    full_name,
)
from services.personnel.application.demo_matching import CENTRE, FreePosts, random_order
from services.personnel.domain.dates import add_months, add_years, whole_years_between
from services.personnel.domain.documents import Changed
from services.personnel.domain.eligibility import category_problem, eligibility_failures
from services.personnel.domain.iin import first_valid_iin
from services.personnel.domain.organisations import create_organisation, create_position
from services.personnel.domain.return_posts import pick_return_post
from services.personnel.domain.rotation import (
    approve_rotation,
    cancel_rotation,
    reject_rotation,
    request_rotation,
    reserve_return_post,
)
from services.personnel.domain.rotation_underway import (
    complete_rotation,
    extend_rotation,
    return_from_rotation,
    start_rotation,
)
from services.personnel.domain.servants import register_civil_servant
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings
from services.personnel.domain.terms import AGENCY, HEAD_OF_BODY, extend_mandatory_rotation, rotation_due_date


@dataclass
class SeedData:
    organisations: list[dict] = field(default_factory=list)
    positions: list[dict] = field(default_factory=list)
    servants: list[dict] = field(default_factory=list)
    rotations: list[dict] = field(default_factory=list)
    events: list[tuple[str, dict]] = field(default_factory=list)


def _at(day: date, minute: int = 0) -> datetime:
    return datetime.combine(day, time(4, 0), tzinfo=timezone.utc) + timedelta(minutes=minute)


class _Builder:
    def __init__(self, seed: int, today: date, settings: PersonnelSettings):
        self.rng = random.Random(seed)
        self.today = today
        self.settings = settings
        self.orgs: dict[str, dict] = {}
        self.posts: dict[str, dict] = {}
        self.servants: dict[str, dict] = {}
        self.rotations: dict[str, dict] = {}
        self.events: list[tuple[str, dict]] = []
        self.used_iins: set[str] = set()
        self.windows: dict[str, tuple[date, date]] = {}
        self.free_posts: FreePosts | None = None  # built when the rotations are matched
        self.staff_by_direction: dict[str, list[str]] = {}
        self.compatible: dict[str, list[str]] = {}

    def apply(self, result) -> None:
        changed, events = result
        if isinstance(changed, Changed):
            for post in changed.positions:
                self.posts[post["position_id"]] = post
                if self.free_posts is not None:
                    self.free_posts.update(post)
            if changed.servant is not None:
                self.servants[changed.servant["servant_id"]] = changed.servant
            if changed.rotation is not None:
                self.rotations[changed.rotation["rotation_id"]] = changed.rotation
        self.events.extend(events)

    # --- bodies, posts, people ------------------------------------------------------------

    def build_organisations(self) -> None:
        created = _at(date(2020, 1, 1))
        bodies = [(f"org-{code}", name, "central", None) for code, name in CENTRAL_BODIES]
        for region_code, region in REGIONS.items():
            slug = region_code.lower().replace("-", "")
            name = f"Akimat of {region.name}" if region.kind == "region" else f"Akimat of {region.name} city"
            bodies.append((f"org-{slug}-akimat", name, "regional", region_code))
            for n, district in enumerate(DISTRICTS[region_code], start=1):
                bodies.append((f"org-{slug}-d{n}", f"Akimat of {district} district", "district", region_code))
        for org_id, name, kind, region_code in bodies:
            org, _ = create_organisation({"name": name, "kind": kind, "region_code": region_code},
                                         org_id=org_id, now=created)
            self.orgs[org_id] = org
            number = 0
            for category, title, count in STAFFING[kind]:
                for _ in range(count):
                    number += 1
                    unit = self.rng.choice(UNITS)
                    post, _ = create_position(
                        {"title": f"{title}, {unit}", "corps": "B", "category": category},
                        org, position_id=f"{org_id}-p{number:03d}", now=created, settings=self.settings)
                    self.posts[post["position_id"]] = post

    def build_servants(self, wanted: int) -> None:
        fill = [p for p in self.posts.values() if self.rng.random() < FILL_RATE[p["org_kind"]]]
        self.rng.shuffle(fill)
        for number, post in enumerate(fill[:wanted], start=1):
            self._register(f"cs-{number:05d}", post)

    def _register(self, servant_id: str, post: dict) -> None:
        rng, today = self.rng, self.today
        sex = "male" if rng.random() < 0.55 else "female"
        age_days = rng.randint(24 * 365, 62 * 365)
        birth = today - timedelta(days=age_days)
        iin = first_valid_iin(birth, sex, rng.randint(0, 9999))
        while iin in self.used_iins:
            iin = first_valid_iin(birth, sex, int(iin[7:11]) + 1)
        self.used_iins.add(iin)
        service_start = add_years(birth, rng.randint(21, 26)) + timedelta(days=rng.randint(0, 300))
        service_start = min(service_start, today - timedelta(days=60))
        span = (today - timedelta(days=30) - service_start).days
        roll = rng.random()
        if roll < 0.5:  # in post under 4 years
            back = rng.randint(30, 4 * 365 - 30)
        elif roll < 0.85:  # 4-8 years: due, possibly extended
            back = rng.randint(4 * 365 + 10, 8 * 365 - 30)
        else:  # long in post
            back = rng.randint(30, 12 * 365)
        post_start = max(service_start, today - timedelta(days=min(back, max(span, 30))))
        if post["region_code"] is None:
            home = "KZ-71" if rng.random() < 0.6 else rng.choice(list(REGIONS))
        else:
            home = post["region_code"] if rng.random() < 0.95 else rng.choice(list(REGIONS))
        self.apply(register_civil_servant({
            "iin": iin, "full_name": full_name(rng, sex), "date_of_birth": birth, "sex": sex,
            "home_region": home, "service_start": service_start, "post_start": post_start,
        }, servant_id=servant_id, position=post, now=_at(post_start), settings=self.settings))

    def build_extensions(self) -> None:
        for servant in list(self.servants.values()):
            years = whole_years_between(servant["post_start"], self.today)
            if years < self.settings.rotation_due_years or self.rng.random() > 0.4:
                continue
            due = rotation_due_date(servant, self.settings)
            head_until = add_years(servant["post_start"], self.rng.choice((5, 6)))
            decided = _at(min(due - timedelta(days=20), self.today))
            updated, _ = extend_mandatory_rotation(
                servant, authority=HEAD_OF_BODY, until=head_until, by=f"head-{servant['org_id']}",
                basis="order of the head of the body: continuity of a budget programme",
                now=decided, settings=self.settings)
            if years >= self.settings.head_extension_limit_years and self.rng.random() < 0.6:
                updated, _ = extend_mandatory_rotation(
                    updated, authority=AGENCY,
                    until=add_years(servant["post_start"], self.rng.choice((7, 8))),
                    by="acsa-officer", basis="consent of the Agency for Civil Service Affairs",
                    now=_at(min(head_until - timedelta(days=20), self.today)), settings=self.settings)
            self.servants[servant["servant_id"]] = updated

    # --- rotations ------------------------------------------------------------------------

    def build_rotations(self, wanted: int) -> None:
        total_weight = sum(w for _, w in STATUS_MIX)
        plans = []
        for status, weight in STATUS_MIX:
            plans += [status] * max(1, round(wanted * weight / total_weight))
        directions = [d for d, w in DIRECTION_MIX for _ in range(w)]
        dated = []
        for status in plans:
            # an extended rotation needs room below the maximum term
            term = self.rng.choice((12, 18, 24) if status == "extended" else (12, 18, 24, 24, 36))
            dated.append((self._request_day(status, term), status, term, self.rng.choice(directions)))
        dated.sort(key=lambda plan: plan[0])
        self._index_for_matching()
        taken: set[str] = set()  # servants already rotated in the seed
        for number, (request_day, status, term, direction) in enumerate(dated, start=1):
            starts = status in ("started", "extended", "returning", "completed")
            found = self._match(direction, request_day, taken, starts)
            if found is None:
                continue
            servant, target = found
            taken.add(servant["servant_id"])
            self._run(f"rot-{number:04d}", status, term, request_day, servant, target)

    def _index_for_matching(self) -> None:
        """The staff by the direction each servant may rotate in from the post held now (a
        servant's post changes only through a rotation of the seed, and each servant rotates at
        most once), the free posts by (category, side)."""
        self.staff_by_direction = {direction: [] for direction, _ in DIRECTION_MIX}
        for servant in self.servants.values():
            if servant["status"] != "active":
                continue
            if servant["org_kind"] == "central":
                self.staff_by_direction["centre_to_region"].append(servant["servant_id"])
                continue
            self.staff_by_direction["region_to_region"].append(servant["servant_id"])
            # the own post is the return post, so it must be in the home region
            if servant["post_region"] == servant["home_region"]:
                self.staff_by_direction["region_to_centre"].append(servant["servant_id"])
        self.free_posts = FreePosts(self.posts.values())

    def _request_day(self, status: str, term: int) -> date:
        rng, today = self.rng, self.today
        if status == "completed":
            end = today - timedelta(days=rng.randint(15, 700))
            return add_months(end, -term) - timedelta(days=45)
        if status == "returning":
            return add_months(today - timedelta(days=rng.randint(1, 20)), -term) - timedelta(days=30)
        if status in ("started", "extended"):
            return today - timedelta(days=rng.randint(60, 30 * term - 30)) - timedelta(days=30)
        return today - timedelta(days=rng.randint(1, 90))

    def _window(self, servant: dict) -> tuple[date, date]:
        """Dates between which an untouched servant passes the time-in-post and retirement rules."""
        window = self.windows.get(servant["servant_id"])
        if window is None:
            retire = add_years(servant["date_of_birth"], self.settings.retirement_age_years[servant["sex"]])
            window = (add_months(servant["post_start"], self.settings.min_months_in_post),
                      add_years(retire, -self.settings.retirement_exemption_years))
            self.windows[servant["servant_id"]] = window
        return window

    def _compatible_categories(self, category: str) -> list[str]:
        if category not in self.compatible:
            self.compatible[category] = [
                c.code for c in self.settings.categories
                if category_problem("B", category, c.corps, c.code, self.settings) is None]
        return self.compatible[category]

    def _match(self, direction: str, day: date, taken: set, starts: bool):
        """A servant eligible on ``day`` and a free target post for ``direction``, or None: the
        servants who may go that way in a random order, each with a random free post of a
        compatible category on the other side, until the rules accept one."""
        for servant_id in random_order(self.rng, self.staff_by_direction[direction]):
            servant = self.servants[servant_id]
            if (servant_id in taken or servant["status"] != "active"
                    or not self._window(servant)[0] <= day < self._window(servant)[1]):
                continue
            origin = self.posts[servant["position_id"]]
            drawn = self.free_posts.draw(self.rng, self._compatible_categories(servant["category"]),
                                         self.free_posts.target_sides(direction, origin), starts)
            if drawn is None:
                continue
            target = self.posts[drawn]  # on the other side: ``direction`` by construction
            if not eligibility_failures(servant, target, today=day, settings=self.settings):
                return servant, target
        return None

    def _home_side_posts(self, rotation: dict, servant: dict) -> dict:
        """The posts on the servant's home side that can be a return post (``return_post_problem``):
        the vacant ones, the one reserved for ``rotation`` and the servant's own post."""
        side = CENTRE if rotation["direction"] == "centre_to_region" else rotation["home_region"]
        ids = set(self.free_posts.vacant_by_side.get(side, ()))
        ids.add(servant["position_id"])
        if rotation.get("return_post"):
            ids.add(rotation["return_post"]["position_id"])
        return {position_id: self.posts[position_id] for position_id in sorted(ids)}

    def _run(self, rotation_id: str, status: str, term: int, day: date, servant: dict,
             target: dict) -> None:
        """Drive one rotation from its request on ``day`` to ``status`` through the commands."""
        rng, settings, servant_id = self.rng, self.settings, servant["servant_id"]
        start = day + timedelta(days=30)
        sending = f"hr-{servant['post_region'] or servant['org_id']}"
        receiving = f"hr-{target['region_code'] or target['org_id']}"

        def rotation() -> dict:
            return self.rotations[rotation_id]

        def close(command, by: str, after_days: int, reason: str) -> None:
            self.apply(command(rotation(), servant=self.servants[servant_id], posts=self.posts, by=by,
                               now=_at(day + timedelta(days=after_days)), reason=reason))

        self.apply(request_rotation({
            "target_position_id": target["position_id"], "planned_start": start, "term_months": term,
            "basis": "region-centre-region mobility programme",
            "incentives": [
                {"kind": "housing_compensation", "amount_kzt": "180000.00", "period_months": term},
                {"kind": "relocation_allowance", "amount_kzt": "450000.00", "period_months": 1}],
        }, rotation_id=rotation_id, servant=servant, posts=self.posts, by=f"{sending}-clerk",
            now=_at(day),
            today=day, settings=settings))
        if status in ("requested", "partially_approved", "approved"):
            self.free_posts.claim(self.posts[target["position_id"]])
        wants_return_post = rotation()["direction"] in settings.return_post_required_for or rng.random() < 0.6
        if wants_return_post and status not in ("requested", "rejected"):
            self._reserve(rotation_id, day, sending)
        if status == "requested":
            return
        self.apply(approve_rotation(rotation(), side="sending", by=sending, now=_at(day + timedelta(days=3))))
        if status == "partially_approved":
            return
        if status == "rejected":
            return close(reject_rotation, receiving, 6, "the receiving body has withdrawn the vacancy")
        if status == "cancelled" and rng.random() < 0.5:
            return close(cancel_rotation, sending, 5, "the servant withdrew the application")
        self.apply(approve_rotation(rotation(), side="receiving", by=receiving,
                                    now=_at(day + timedelta(days=7))))
        if status == "cancelled":
            return close(cancel_rotation, sending, 9, "family circumstances")
        if status == "approved":
            return
        self.apply(start_rotation(rotation(), servant=self.servants[servant_id], posts=self.posts,
                                  start_date=start, by=receiving, now=_at(start), settings=settings))
        if status == "extended" or (status in ("returning", "completed") and rng.random() < 0.2):
            self._extend(rotation(), receiving, keep_open=status == "extended")
        if status in ("started", "extended"):
            return
        return_day = min(rotation()["planned_end"], self.today)
        self.apply(return_from_rotation(rotation(), posts=self.posts, return_date=return_day, by=receiving,
                                        now=_at(return_day)))
        if status == "completed":
            self._complete(rotation_id, return_day, sending)

    def _extend(self, rotation: dict, by: str, *, keep_open: bool) -> None:
        """Extend within the maximum term; a rotation meant to end by today must still end by today."""
        latest = add_months(rotation["actual_start"], self.settings.max_term_months)
        new_end = min(add_months(rotation["planned_end"], self.rng.choice((3, 6, 12))), latest)
        if new_end <= rotation["planned_end"] or (not keep_open and new_end > self.today):
            return
        decided = min(rotation["planned_end"] - timedelta(days=30), self.today)
        self.apply(extend_rotation(rotation, new_end=new_end, by=by, now=_at(decided),
                                   basis="completion of the regional investment programme review",
                                   settings=self.settings))

    def _reserve(self, rotation_id: str, day: date, by: str) -> None:
        rotation = self.rotations[rotation_id]
        servant = self.servants[rotation["servant_id"]]
        candidates = self._home_side_posts(rotation, servant)
        position_id = None
        if self.rng.random() < 0.25:  # sometimes an explicit vacant post rather than the own post
            other = pick_return_post(rotation, [p for p in candidates.values()
                                                if p["position_id"] != servant["position_id"]],
                                     servant_id=servant["servant_id"], settings=self.settings)
            position_id = other["position_id"] if other else None
        try:
            self.apply(reserve_return_post(rotation, servant=servant, posts=candidates, by=by,
                                           now=_at(day, 30), position_id=position_id, settings=self.settings))
        except RuleViolation:
            if rotation["direction"] in self.settings.return_post_required_for:
                raise

    def _complete(self, rotation_id: str, return_day: date, by: str) -> None:
        rotation = self.rotations[rotation_id]
        servant = self.servants[rotation["servant_id"]]
        end_day = min(return_day + timedelta(days=self.rng.randint(0, 14)), self.today)
        chosen = None
        if not rotation.get("return_post") or self.rng.random() < 0.2:
            candidates = self._home_side_posts(rotation, servant).values()
            picked = pick_return_post(rotation, [p for p in candidates if p["status"] == "vacant"],
                                      servant_id=servant["servant_id"], on_return=True, settings=self.settings)
            chosen = picked["position_id"] if picked else None
        if chosen is None and not rotation.get("return_post"):
            return  # nowhere to return to: leave it returning
        self.apply(complete_rotation(rotation, servant=servant, posts=self.posts, end_date=end_day, by=by,
                                     now=_at(end_day, 60), return_position_id=chosen, settings=self.settings))


def generate_seed(*, seed: int = 2025, servants: int = 2500, rotations: int = 360,
                  today: date = date(2025, 9, 1),
                  settings: PersonnelSettings = DEFAULT_SETTINGS) -> SeedData:
    """Organisations, posts, servants and rotations as of ``today`` (documents as stored) and the
    events the commands produced, in order."""
    builder = _Builder(seed, today, settings)
    builder.build_organisations()
    builder.build_servants(servants)
    builder.build_extensions()
    builder.build_rotations(rotations)
    return SeedData(
        organisations=list(builder.orgs.values()),
        positions=list(builder.posts.values()),
        servants=list(builder.servants.values()),
        rotations=list(builder.rotations.values()),
        events=builder.events,
    )
