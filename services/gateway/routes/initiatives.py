"""The Office's initiatives over HTTP, and the deadline checks that open some of them (a nameko
timer, an RPC and an HTTP route, all running the same idempotent ``HubReactions.run_checks``)."""
import logging
import uuid

from nameko.timer import Timer

from services.common import clock
from services.common.errors import Forbidden, NotFound, StaleVersion
from services.common.loading import load, load_query
from services.gateway.access import policy
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.hub.reactions import HubReactions
from services.gateway.hub.rules import change_initiative, manual_proposal
from services.gateway.hub.schemas import (
    ChecksResultSchema,
    ChecksSchema,
    InitiativeChangeSchema,
    InitiativeCreateSchema,
    InitiativeQuery,
    InitiativeSchema,
)
from services.gateway.hub.settings import check_interval_seconds, load_hub_settings

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


def dump_initiative(doc: dict) -> dict:
    return InitiativeSchema().dump(doc)


def _initiative(svc, initiative_id: str) -> dict:
    found = svc.initiatives.find(initiative_id)
    if found is None:
        raise NotFound(f"no initiative {initiative_id}", {"id": initiative_id})
    return found


def hub_list_initiatives(svc, request):
    query = load_query(InitiativeQuery(), request.args)
    regions = policy.region_filter(request.principal, "hub")
    if query.get("region"):
        policy.authorize(request.principal, "hub", "read", query["region"])
        regions = {query["region"]}
    items, total = svc.initiatives.query(region_codes=regions, status=query.get("status"),
                                          kind=query.get("kind"), limit=query["limit"],
                                          offset=query["offset"])
    return {"items": [dump_initiative(i) for i in items], "total": total,
            "limit": query["limit"], "offset": query["offset"]}


def hub_create_initiative(svc, request):
    body = load(InitiativeCreateSchema, read_json(request), message=INVALID_BODY)
    policy.authorize(request.principal, "hub.initiatives", "write", body["region_code"])
    initiative_id = str(uuid.uuid4())
    initiative, _ = svc.initiatives.open(
        manual_proposal(body, initiative_id=initiative_id), now=clock.now_utc(),
        by=request.principal.subject, initiative_id=initiative_id,
        event_ids=[str(e) for e in body["event_ids"]])
    return 201, dump_initiative(initiative)


def hub_get_initiative(svc, request, initiative_id):
    initiative = _initiative(svc, initiative_id)
    policy.authorize(request.principal, "hub", "read", initiative["region_code"])
    return dump_initiative(initiative)


def hub_change_initiative(svc, request, initiative_id):
    body = load(InitiativeChangeSchema, read_json(request), message=INVALID_BODY)
    initiative = _initiative(svc, initiative_id)
    policy.authorize(request.principal, "hub.initiatives", "write",
                     initiative["region_code"])
    expected = body.get("expected_version")
    if expected is not None and expected != initiative["version"]:
        raise StaleVersion("the initiative changed since it was read",
                           {"expected": expected, "actual": initiative["version"]})
    changed = change_initiative(
        initiative, by=request.principal.subject, now=clock.now_utc(), comment=body["comment"],
        status=body.get("status"), due_date=body.get("due_date"),
        responsible_body=body.get("responsible_body"))
    return dump_initiative(svc.initiatives.replace(changed, initiative["version"]))


# -- deadline checks -------------------------------------------------------------------------
def _run_checks(svc, today):
    reactions = HubReactions(svc.hub_models, svc.initiatives, load_hub_settings())
    return ChecksResultSchema().dump(reactions.run_checks(today))


def hub_scheduled_checks(svc):
    result = _run_checks(svc, clock.civil_today())
    if result["opened"]:
        log.info("deadline checks opened %d initiatives", len(result["opened"]))


def hub_run_checks(svc, today=None):
    """Run the deadline checks now; ``today`` (ISO date) replays them as of another day."""
    day = (load(ChecksSchema, {"today": today}, message=INVALID_BODY)["today"] if today
           else clock.civil_today())
    return _run_checks(svc, day)


def hub_checks(svc, request):
    body = (load(ChecksSchema, read_json(request), message=INVALID_BODY) if request.get_data()
            else {})
    today = clock.civil_today()
    day = body.get("today", today)
    if day != today and request.principal.role != policy.ADMIN:
        raise Forbidden("only an admin may run the checks as of another day",
                        {"role": request.principal.role, "today": day.isoformat()})
    return _run_checks(svc, day)
