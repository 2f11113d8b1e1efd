"""Reads of the personnel service: documents by id, filtered pages, due cases, mobility figures.

``regions`` (a set of region codes, or None for all) is the caller's reach as the gateway's policy
computed it; the service narrows by it and never widens a query.
"""
from services.common import clock as platform_clock
from services.common.errors import NotFound, ValidationFailed
from services.common.loading import load
from services.common.regions import is_region
from services.personnel import domain
from services.personnel.application import views
from services.personnel.contract.rpc import (
    DueQuerySchema,
    OrganisationQuerySchema,
    PositionQuerySchema,
    RotationQuerySchema,
    ServantQuerySchema,
    StatisticsQuerySchema,
)


def _found(doc, what: str, key: str, value: str) -> dict:
    if doc is None:
        raise NotFound(f"{what} not found", {key: value})
    return doc


def _regions(regions) -> set[str] | None:
    if regions is None:
        return None
    if not isinstance(regions, (list, tuple, set)) or not all(
            isinstance(r, str) and is_region(r) for r in regions):
        raise ValidationFailed("invalid region scope", {"regions": ["a list of region codes"]})
    return set(regions)


class PersonnelQueries:
    def __init__(self, *, organisations, positions, servants, rotations, clock=platform_clock.now_utc,
                 settings: domain.PersonnelSettings = domain.DEFAULT_SETTINGS):
        self.organisations, self.positions = organisations, positions
        self.servants, self.rotations = servants, rotations
        self.clock, self.settings = clock, settings

    def today(self):
        return platform_clock.civil_date(self.clock())

    # -- by id ---------------------------------------------------------------------------------
    def organisation(self, org_id: str) -> dict:
        return views.organisation(_found(self.organisations.find(org_id), "organisation", "org_id",
                                         org_id))

    def position(self, position_id: str) -> dict:
        return views.position(_found(self.positions.find(position_id), "position", "position_id",
                                     position_id))

    def servant(self, servant_id: str) -> dict:
        return views.servant(_found(self.servants.find(servant_id), "civil servant", "servant_id",
                                    servant_id), self.settings)

    def rotation(self, rotation_id: str) -> dict:
        return views.rotation(_found(self.rotations.find(rotation_id), "rotation", "rotation_id",
                                     rotation_id))

    # -- pages (page size capped by the schemas) ----------------------------------------------
    def organisations_page(self, query=None) -> dict:
        q = load(OrganisationQuerySchema, query or {})
        return views.page(*self.organisations.query(q), q, views.organisation)

    def positions_page(self, query=None) -> dict:
        q = load(PositionQuerySchema, query or {})
        return views.page(*self.positions.query(q), q, views.position)

    def servants_page(self, query=None, regions=None) -> dict:
        q = load(ServantQuerySchema, query or {})
        items, total = self.servants.query(q, _regions(regions))
        return views.page(items, total, q, lambda s: views.servant(s, self.settings))

    def rotations_page(self, query=None, regions=None) -> dict:
        q = load(RotationQuerySchema, query or {})
        return views.page(*self.rotations.query(q, _regions(regions)), q, views.rotation)

    # -- mandatory rotation and mobility -------------------------------------------------------
    def due_page(self, query=None, regions=None) -> dict:
        """Who is due for mandatory rotation on ``today`` (the terms rules decide, exemptions
        included), most overdue first."""
        q = load(DueQuerySchema, query or {})
        today = q.get("today") or self.today()
        scope = _regions(regions)
        if q.get("region"):
            scope = {q["region"]} if scope is None else scope & {q["region"]}
        cases = domain.due_rotations(self.servants.due_candidates(today, scope), today, self.settings)
        start = (q["page"] - 1) * q["page_size"]
        answer = views.page(cases[start:start + q["page_size"]], len(cases), q, views.due)
        answer["today"] = today.isoformat()
        return answer

    def statistics(self, query=None, regions=None) -> dict:
        """Mobility figures per region (flows out to / in from the centre, completed cycles,
        average duration, due now) and national totals; narrowed to ``regions`` if given."""
        q = load(StatisticsQuerySchema, query or {})
        today = q.get("today") or self.today()
        figures = domain.mobility_statistics(
            self.rotations.statistics_rows(),
            self.servants.due_candidates(today), today, year=q.get("year"), settings=self.settings)
        scope = _regions(regions)
        shown = {code: views.figures(values) for code, values in figures.items()
                 if (scope is None or code in scope) and (not q.get("region") or code == q["region"])}
        return {"today": today.isoformat(), "year": q.get("year"), "regions": shown,
                "national": views.figures(domain.national_totals(figures)) if scope is None else None}
