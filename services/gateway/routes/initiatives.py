"""The Office's initiatives over HTTP, and the deadline checks that open some of them (a nameko
timer, an RPC and an HTTP route, all running the same idempotent ``HubReactions.run_checks``)."""
import logging
import uuid
from datetime import datetime

from services.common.rpc import rpc
from services.common import clock
from nameko.timer import Timer

from services.common.errors import Forbidden, NotFound, StaleVersion
from services.gateway.access import policy
from services.gateway.base import GatewayBase
from services.gateway.edge.http import api, read_json
from services.gateway.hub.reactions import HubReactions
from services.gateway.hub.rules import change_initiative, manual_proposal
from services.gateway.hub.schemas import (ChecksResultSchema, ChecksSchema, InitiativeChangeSchema,
                                          InitiativeCreateSchema, InitiativePageSchema,
                                          InitiativeQuery, InitiativeSchema)
from services.gateway.hub.settings import check_interval_seconds, load_hub_config
from services.gateway.edge.schemas import load_body, load_query

log = logging.getLogger(__name__)

TAGS = ("hub",)


class CheckTimer(Timer):
    """nameko's timer, its interval read when the service starts (``HUB_CHECK_INTERVAL_SECONDS``)
    rather than when the module is imported."""

    def __init__(self, interval=None, **kwargs):
        super().__init__(interval, **kwargs)

    def setup(self):
        self.interval = check_interval_seconds()
        super().setup()


check_timer = CheckTimer.decorator


def _now() -> datetime:
    return clock.now_utc()


def dump_initiative(doc: dict) -> dict:
    return InitiativeSchema().dump(doc)


class HubInitiativeRoutes(GatewayBase):

    def _initiative(self, initiative_id: str) -> dict:
        found = self.initiatives.collection.find_one({"_id": initiative_id})
        if found is None:
            raise NotFound(f"no initiative {initiative_id}", {"id": initiative_id})
        return self.initiatives.from_store(found)

    @api("GET", "/api/v1/hub/initiatives", permission=("hub", "read"), tags=TAGS,
         summary="Initiatives of the regions the caller may see, newest first",
         query=InitiativeQuery, response=InitiativePageSchema)
    def hub_list_initiatives(self, request):
        query = load_query(InitiativeQuery(), request.args)
        regions = policy.region_filter(request.principal, "hub")
        if query.get("region"):
            policy.authorize(request.principal, "hub", "read", query["region"])
            regions = {query["region"]}
        items, total = self.initiatives.query(region_codes=regions, status=query.get("status"),
                                              kind=query.get("kind"), limit=query["limit"],
                                              offset=query["offset"])
        return {"items": [dump_initiative(i) for i in items], "total": total,
                "limit": query["limit"], "offset": query["offset"]}

    @api("POST", "/api/v1/hub/initiatives", permission=("hub.initiatives", "write"), tags=TAGS,
         summary="Open an initiative by hand (office coordinators)",
         body=InitiativeCreateSchema, response=InitiativeSchema,
         responses={201: "the initiative, opened"})
    def hub_create_initiative(self, request):
        body = load_body(InitiativeCreateSchema(), read_json(request))
        policy.authorize(request.principal, "hub.initiatives", "write", body["region_code"])
        initiative_id = str(uuid.uuid4())
        initiative, _ = self.initiatives.open(
            manual_proposal(body, initiative_id=initiative_id), now=_now(),
            by=request.principal.subject, initiative_id=initiative_id,
            event_ids=[str(e) for e in body["event_ids"]])
        return 201, dump_initiative(initiative)

    @api("GET", "/api/v1/hub/initiatives/<string:initiative_id>", permission=("hub", "read"),
         tags=TAGS, summary="One initiative with its history and the events that caused it",
         response=InitiativeSchema)
    def hub_get_initiative(self, request, initiative_id):
        initiative = self._initiative(initiative_id)
        policy.authorize(request.principal, "hub", "read", initiative["region_code"])
        return dump_initiative(initiative)

    @api("PATCH", "/api/v1/hub/initiatives/<string:initiative_id>",
         permission=("hub.initiatives", "write"), tags=TAGS,
         summary="Change an initiative's status (with a comment), due date or responsible body",
         body=InitiativeChangeSchema, response=InitiativeSchema,
         responses={409: "transition not allowed, or the initiative changed since it was read"})
    def hub_change_initiative(self, request, initiative_id):
        body = load_body(InitiativeChangeSchema(), read_json(request))
        initiative = self._initiative(initiative_id)
        policy.authorize(request.principal, "hub.initiatives", "write",
                         initiative["region_code"])
        expected = body.get("expected_version")
        if expected is not None and expected != initiative["version"]:
            raise StaleVersion("the initiative changed since it was read",
                               {"expected": expected, "actual": initiative["version"]})
        changed = change_initiative(
            initiative, by=request.principal.subject, now=_now(), comment=body["comment"],
            status=body.get("status"), due_date=body.get("due_date"),
            responsible_body=body.get("responsible_body"))
        return dump_initiative(self.initiatives.replace(changed, initiative["version"]))

    # -- deadline checks -------------------------------------------------------------------------
    def _run_checks(self, today):
        reactions = HubReactions(self.hub_models, self.initiatives, load_hub_config())
        return ChecksResultSchema().dump(reactions.run_checks(today))

    @check_timer
    def hub_scheduled_checks(self):
        result = self._run_checks(clock.civil_today())
        if result["opened"]:
            log.info("deadline checks opened %d initiatives", len(result["opened"]))

    @rpc
    def hub_run_checks(self, today=None):
        """Run the deadline checks now; ``today`` (ISO date) replays them as of another day."""
        day = load_body(ChecksSchema(), {"today": today})["today"] if today else clock.civil_today()
        return self._run_checks(day)

    @api("POST", "/api/v1/hub/checks", permission=("hub.initiatives", "write"), tags=TAGS,
         summary="Run the deadline checks now (stalled projects, overdue annual reports)",
         body=ChecksSchema, response=ChecksResultSchema,
         responses={403: "only admins may run the checks as of another day"})
    def hub_checks(self, request):
        body = load_body(ChecksSchema(), read_json(request)) if request.get_data() else {}
        today = clock.civil_today()
        day = body.get("today", today)
        if day != today and request.principal.role != policy.ADMIN:
            raise Forbidden("only an admin may run the checks as of another day",
                            {"role": request.principal.role, "today": day.isoformat()})
        return self._run_checks(day)
