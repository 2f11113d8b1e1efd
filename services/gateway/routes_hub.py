"""The hub: consumes every domain event into the coordination journal, and serves it."""
from services.common.consuming import subscribe
from services.gateway import contracts  # noqa: F401  (registers every event schema)
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api
from services.gateway.schemas import JournalQuery, load_query


class HubRoutes(GatewayBase):

    @subscribe()
    def record_event(self, envelope):
        self.journal.record(envelope)

    @api("GET", "/api/v1/hub/journal", permission=("hub", "read"))
    def get_journal(self, request):
        query = load_query(JournalQuery(), request.args)
        regions = policy.region_filter(request.principal, "hub")
        if query.get("region"):
            policy.authorize(request.principal, "hub", "read", query["region"])
            regions = {query["region"]}
        items, total = self.journal.query(
            region_codes=regions, source=query.get("source"), event_type=query.get("type"),
            correlation_id=query.get("correlation_id"), since=query.get("since"),
            until=query.get("until"), limit=query["limit"], offset=query["offset"])
        return {"items": items, "total": total, "limit": query["limit"],
                "offset": query["offset"]}
