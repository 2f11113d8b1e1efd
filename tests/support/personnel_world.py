"""A small personnel world for the unit tests: bodies, posts, servants, and rotations driven by the
real domain commands, with every changed document kept like a repository would.

A uniquely named module (not ``conftest``) so test modules import it without clashing with the
conftest files of other areas."""
from datetime import date, datetime, timedelta, timezone

from services.personnel import domain as d
from services.personnel.domain.dates import add_months

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)
TODAY = date(2025, 9, 1)  # local (UTC+5) date of NOW
SENDING = "hr-kz35"
RECEIVING = "hr-mne"
REQUESTER = "hr-kz35-clerk"


def at(days: int) -> datetime:
    return NOW + timedelta(days=days)


class World:
    """Karaganda akimat (KZ-35) with a district, Abai akimat (KZ-10), the Ministry of National
    Economy; servant ``cs-1`` (male, born 1985) holds D-3 post ``kz35-c3-own`` since March 2021."""

    def __init__(self, settings: d.PersonnelSettings = d.DEFAULT_SETTINGS):
        self.settings = settings
        self.orgs, self.posts, self.servants, self.rotations = {}, {}, {}, {}
        self.events: list[tuple[str, dict]] = []
        self.org("org-kz35", "regional", "KZ-35")
        self.org("org-kz35-d1", "district", "KZ-35")
        self.org("org-kz10", "regional", "KZ-10")
        self.org("org-mne", "central", None)
        self.org("org-mf", "central", None)
        for position_id, org_id, category in (
                ("kz35-c3-own", "org-kz35", "D-3"), ("kz35-c3-free", "org-kz35", "D-3"),
                ("kz35-c2-free", "org-kz35", "D-2"), ("kz35-c5-free", "org-kz35", "D-5"),
                ("kz35-d1-d2", "org-kz35-d1", "E-2"),
                ("kz10-c3-free", "org-kz10", "D-3"),
                ("mne-b4", "org-mne", "C-4"), ("mne-b5", "org-mne", "C-5"), ("mne-b1", "org-mne", "C-1"),
                ("mf-b4", "org-mf", "C-4"), ("mne-b5-own", "org-mne", "C-5")):
            self.post(position_id, org_id, category)
        self.servant("cs-1", "kz35-c3-own", birth=date(1985, 5, 17), sex="male",
                     post_start=date(2021, 3, 1))

    # --- documents ----------------------------------------------------------------------

    def apply(self, result):
        changed, events = result
        if isinstance(changed, d.Changed):
            for post in changed.positions:
                self.posts[post["position_id"]] = post
            if changed.servant is not None:
                self.servants[changed.servant["servant_id"]] = changed.servant
            if changed.rotation is not None:
                self.rotations[changed.rotation["rotation_id"]] = changed.rotation
        elif "servant_id" in changed and "rotation_id" not in changed:
            self.servants[changed["servant_id"]] = changed
        self.events.extend(events)
        return events

    def org(self, org_id, kind, region):
        org, _ = d.create_organisation({"name": f"Body {org_id}", "kind": kind, "region_code": region},
                                       org_id=org_id, now=NOW)
        self.orgs[org_id] = org
        return org

    def post(self, position_id, org_id, category, corps="B"):
        post, _ = d.create_position({"title": f"Post {position_id}", "corps": corps, "category": category},
                                    self.orgs[org_id], position_id=position_id, now=NOW,
                                    settings=self.settings)
        self.posts[position_id] = post
        return post

    def servant(self, servant_id, position_id, *, birth=date(1985, 5, 17), sex="male",
                post_start=date(2021, 3, 1), home_region=None, serial=None):
        number = int(servant_id.split("-")[-1]) if serial is None else serial
        data = {"iin": d.first_valid_iin(birth, sex, number), "full_name": f"Servant {servant_id}",
                "date_of_birth": birth, "sex": sex, "service_start": date(2010, 9, 1),
                "post_start": post_start}
        if home_region:
            data["home_region"] = home_region
        self.apply(d.register_civil_servant(data, servant_id=servant_id,
                                            position=self.posts[position_id], now=NOW,
                                            settings=self.settings))
        return self.servants[servant_id]

    # --- rotation steps -----------------------------------------------------------------

    def request(self, servant_id="cs-1", target="mne-b4", rotation_id="rot-1", **data):
        body = {"target_position_id": target, "planned_start": TODAY + timedelta(days=30),
                "term_months": 24, "basis": "mobility programme"}
        body.update(data)
        self.apply(d.request_rotation(body, rotation_id=rotation_id, servant=self.servants[servant_id],
                                      posts=self.posts, by=REQUESTER, now=NOW, today=TODAY,
                                      open_rotations=list(self.rotations.values()), settings=self.settings))
        return self.rotations[rotation_id]

    def reserve(self, rotation_id="rot-1", position_id=None, posts=None):
        rotation = self.rotations[rotation_id]
        return self.apply(d.reserve_return_post(
            rotation, servant=self.servants[rotation["servant_id"]],
            posts=self.posts if posts is None else posts, by=SENDING, now=at(1),
            position_id=position_id, settings=self.settings))

    def approve(self, rotation_id="rot-1", side="sending", by=SENDING, days=2):
        return self.apply(d.approve_rotation(self.rotations[rotation_id], side=side, by=by, now=at(days)))

    def approve_both(self, rotation_id="rot-1"):
        self.approve(rotation_id, "sending", SENDING, 2)
        return self.approve(rotation_id, "receiving", RECEIVING, 3)

    def start(self, rotation_id="rot-1", start_date=None):
        rotation = self.rotations[rotation_id]
        return self.apply(d.start_rotation(
            rotation, servant=self.servants[rotation["servant_id"]], posts=self.posts,
            start_date=start_date or rotation["planned_start"], by=RECEIVING, now=at(30),
            settings=self.settings))

    def extend(self, rotation_id="rot-1", months=6, new_end=None, basis="programme review"):
        rotation = self.rotations[rotation_id]
        return self.apply(d.extend_rotation(
            rotation, new_end=new_end or add_months(rotation["planned_end"], months), basis=basis,
            by=RECEIVING, now=at(300), settings=self.settings))

    def return_(self, rotation_id="rot-1", return_date=None):
        rotation = self.rotations[rotation_id]
        return self.apply(d.return_from_rotation(
            rotation, posts=self.posts, return_date=return_date or rotation["planned_end"],
            by=RECEIVING, now=at(760)))

    def complete(self, rotation_id="rot-1", end_date=None, return_position_id=None):
        rotation = self.rotations[rotation_id]
        return self.apply(d.complete_rotation(
            rotation, servant=self.servants[rotation["servant_id"]], posts=self.posts,
            end_date=end_date or (rotation["return_date"] or TODAY) + timedelta(days=3), by=SENDING,
            now=at(765), return_position_id=return_position_id, settings=self.settings))

    def cancel(self, rotation_id="rot-1", reason="withdrawn"):
        rotation = self.rotations[rotation_id]
        return self.apply(d.cancel_rotation(rotation, servant=self.servants[rotation["servant_id"]],
                                            posts=self.posts, by=REQUESTER, now=at(5), reason=reason))

    def reject(self, rotation_id="rot-1", reason="vacancy withdrawn"):
        rotation = self.rotations[rotation_id]
        return self.apply(d.reject_rotation(rotation, servant=self.servants[rotation["servant_id"]],
                                            posts=self.posts, by=RECEIVING, now=at(5), reason=reason))

    def drive(self, status, rotation_id="rot-1", **request_data):
        """A region→centre rotation of cs-1 brought to ``status`` by real commands."""
        self.request(rotation_id=rotation_id, **request_data)
        if status == "requested":
            return self.rotations[rotation_id]
        self.reserve(rotation_id)
        if status == "cancelled":
            self.cancel(rotation_id)
            return self.rotations[rotation_id]
        self.approve(rotation_id)
        if status == "rejected":
            self.reject(rotation_id)
        if status in ("partially_approved", "rejected"):
            return self.rotations[rotation_id]
        self.approve(rotation_id, "receiving", RECEIVING, 3)
        if status == "approved":
            return self.rotations[rotation_id]
        self.start(rotation_id)
        if status == "started":
            return self.rotations[rotation_id]
        self.return_(rotation_id)
        if status == "returning":
            return self.rotations[rotation_id]
        self.complete(rotation_id)
        assert status == "completed", status
        return self.rotations[rotation_id]
