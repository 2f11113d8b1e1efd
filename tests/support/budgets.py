"""Helpers for the budgets service's integration and e2e suites: line and event factories, an
RPC shortcut, and a listener that collects what the service publishes."""
import json
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection, Exchange, Queue

import services.budgets.contract  # noqa: F401  (the budgets event schemas)
import services.investments.contract.events  # noqa: F401
from services.budgets.contract import CSV_HEADER
from services.common import remote_errors  # noqa: F401 (errors cross RPC as themselves)
from services.common.events import build_event
from services.common.mongo import get_client
from services.common.topology import INBOUND_EXCHANGE


def line(region="KZ-61", level="oblast", district=None, year=2025, period="Y",
         code="101202", phase="executed", amount="100.00") -> dict:
    return {"region_code": region, "budget_level": level, "district": district,
            "fiscal_year": year, "period": period, "ebk_code": code, "phase": phase,
            "amount_kzt": amount}


def csv_text(lines: list[dict], extra_rows: list[str] = ()) -> str:
    rows = [",".join(CSV_HEADER)]
    for item in lines:
        rows.append(",".join("" if item.get(c) is None else str(item[c]) for c in CSV_HEADER))
    rows.extend(extra_rows)
    return "\n".join(rows) + "\n"


def rpc(container, method, *args, **kwargs):
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy(container.service_name, container.config) as proxy:
        return getattr(proxy, method)(*args, **kwargs)


class EventListener:
    """A queue of its own bound to ``budgets.events``: every event the service publishes after
    the listener was created can be read back (and counted) here. Delivery is at least once, so,
    like every consumer, the listener counts an ``event_id`` once."""

    def __init__(self, amqp_uri: str, source: str = "budgets"):
        self.amqp_uri = amqp_uri
        self.name = f"test-listener-{uuid.uuid4().hex[:8]}"
        exchange = Exchange(f"{source}.events", type="topic", durable=True)
        self.queue = Queue(self.name, exchange=exchange, routing_key="#", durable=False,
                           auto_delete=False)
        with Connection(amqp_uri) as conn:
            self.queue.maybe_bind(conn.channel())
            exchange.maybe_bind(self.queue.channel)
            exchange.declare()
            self.queue.declare()
        self.seen: list[dict] = []

    def drain(self, timeout: float = 0.3) -> list[dict]:
        with Connection(self.amqp_uri) as conn:
            simple = conn.SimpleQueue(self.queue)
            while True:
                try:
                    message = simple.get(block=True, timeout=timeout)
                except simple.Empty:
                    break
                body = message.payload if isinstance(message.payload, dict) \
                    else json.loads(message.body)
                if body["event_id"] not in {e["event_id"] for e in self.seen}:
                    self.seen.append(body)
                message.ack()
            simple.close()
        return self.seen

    def of_type(self, event_type: str, timeout: float = 0.3) -> list[dict]:
        return [e for e in self.drain(timeout) if e["event_type"] == event_type]


def publish(amqp_uri: str, envelope: dict, exchange: str, routing_key: str) -> None:
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(envelope, exchange=Exchange(exchange, type="topic", durable=True),
                                routing_key=routing_key, serializer="json",
                                delivery_mode=2)


def revenue_executed_envelope(reference: str, **line_fields) -> dict:
    payload = dict(line(**line_fields), reference=reference, phase="executed")
    return build_event("revenue_executed", payload, region_code=payload["region_code"])


def publish_revenue_executed(amqp_uri: str, envelope: dict) -> None:
    publish(amqp_uri, envelope, INBOUND_EXCHANGE, "finance.revenue_executed")


def project_snapshot(project_id: str, region="KZ-61", **overrides) -> dict:
    """A payload with every field of the investments service's project snapshot."""
    now = datetime(2026, 3, 1, tzinfo=timezone.utc).isoformat()
    snapshot = {
        "project_id": project_id, "external_ref": f"KI-{project_id[:8]}",
        "title": "Cotton processing plant", "region_code": region, "district": "Sairam district",
        "agglomeration": None, "sector": "agro_processing", "project_type": "new_production",
        "stage": "commissioned", "stage_entered_at": now, "suspended_from": None,
        "priority": False, "cost_kzt": "5000000000.00", "jobs_planned": 120, "jobs_created": 118,
        "invested_to_date_kzt": "5000000000.00",
        "expected_annual_local_revenue_kzt": "250000000.00", "planned_start": "2024-05-01",
        "planned_commissioning": "2026-02-01", "actual_start": "2024-06-01",
        "actual_commissioning": "2026-02-15", "version": 7, "updated_at": now,
    }
    snapshot.update(overrides)
    return snapshot


def project_commissioned(project_id: str, region="KZ-61", annual="250000000.00",
                         commissioned_on="2026-02-15") -> dict:
    payload = project_snapshot(project_id, region, actual_commissioning=commissioned_on,
                               expected_annual_local_revenue_kzt=annual)
    return build_event("project_commissioned", payload, region_code=region)


def project_cancelled(project_id: str, region="KZ-61") -> dict:
    payload = project_snapshot(project_id, region, stage="cancelled", reason="investor withdrew",
                               previous_stage="commissioned",
                               cancelled_at=datetime(2026, 5, 1, tzinfo=timezone.utc).isoformat(),
                               cancelled_by="officer-1")
    return build_event("project_cancelled", payload, region_code=region)


def publish_investments_event(amqp_uri: str, envelope: dict) -> None:
    publish(amqp_uri, envelope, "investments.events", envelope["event_type"])


# -- fixtures (import them into a test module by name) ---------------------------------------------

@pytest.fixture
def budgets_db(platform_env):
    """The budgets service's database of this run, emptied before and after the test."""
    database = get_client()[f"{platform_env['MONGO_DB_PREFIX']}_budgets"]
    for name in database.list_collection_names():
        database[name].delete_many({})
    yield database
    for name in database.list_collection_names():
        database[name].delete_many({})


@pytest.fixture
def budgets(container_factory, nameko_config, budgets_db, monkeypatch):
    """A running budgets service (no metrics port: the local platform may hold it)."""
    from services.budgets.service import BudgetsService
    monkeypatch.setenv("BUDGETS_METRICS_PORT", "0")
    container = container_factory(BudgetsService, nameko_config)
    container.start()
    return container


@pytest.fixture
def events(nameko_config):
    """Everything the budgets service publishes from now on."""
    return EventListener(nameko_config["AMQP_URI"])


def run_import(container, text: str, source_format="csv", mode="partial", *, chunk_size=4096,
               datapackage=None, regions=None, timeout=60.0) -> dict:
    """Send ``text`` in chunks through the import RPCs and wait for the job's final status."""
    from nameko.standalone.rpc import ServiceRpcProxy

    from tests.support import wait_until
    with ServiceRpcProxy(container.service_name, container.config) as proxy:
        status = proxy.import_start(source_format, mode, datapackage, regions)
        chunks = [text[i:i + chunk_size] for i in range(0, len(text), chunk_size)]
        for seq, chunk in enumerate(chunks):
            proxy.import_chunk(status["import_id"], seq, chunk)
        proxy.import_finish(status["import_id"], len(chunks))

        def finished():
            current = proxy.import_status(status["import_id"])
            return current if current["done"] else None

        return wait_until(finished, timeout=timeout, interval=0.2, message="import finished")
