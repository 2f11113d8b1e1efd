"""The personnel service on a real broker (a vhost per test) and store, and a small world in it.

Shared by the personnel integration modules (a module, not a conftest, so it never clashes
with other areas' fixtures).
"""
from datetime import date, timedelta

import pytest
from kombu import Connection, Exchange, Producer
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import (
    clock,
    remote_errors,  # noqa: F401  (errors cross RPC as themselves)
    topology,
)
from services.common.events import build_event
from services.common.mongo import Store, get_client
from services.personnel import domain
from services.personnel.application.commands import PersonnelCommands
from services.personnel.service import PersonnelService

HUB_QUEUE = "gateway.record_event"  # bound to every personnel event; no hub runs here

TODAY = clock.civil_today()


class Personnel:
    """A started PersonnelService container, an RPC proxy to it, and its store."""

    def __init__(self, container, proxy):
        self.container = container
        self.rpc = proxy
        self.config = container.config
        self.stores = {s.repository_cls.collection_name: s for s in container.dependencies
                       if isinstance(s, Store)}
        self.db = self.stores["rotations"].db

    def repo(self, collection: str):
        store = self.stores[collection]
        return store.repository_cls(store.db, store.relay)

    def commands(self, **kwargs) -> PersonnelCommands:
        return PersonnelCommands(organisations=self.repo("organisations"),
                                 positions=self.repo("positions"), servants=self.repo("servants"),
                                 rotations=self.repo("rotations"), **kwargs)

    def doc(self, collection: str, doc_id: str) -> dict:
        return self.db[collection].find_one({"_id": doc_id})

    def published(self) -> list[dict]:
        """Every event published so far (taken off the hub's queue, which no one consumes here)."""
        found = []
        with Connection(self.config["AMQP_URI"]) as conn:
            channel = conn.channel()
            while True:
                message = channel.basic_get(HUB_QUEUE, no_ack=True)
                if message is None:
                    break
                found.append(channel.message_to_python(message).decode())
        return found

    def publish_inbound(self, event_type: str, body: dict, routing_key: str, **envelope) -> dict:
        """Publish ``body`` as an agency would; ``envelope`` overrides fields (even the payload)."""
        event = build_event(event_type, body, region_code=body.get("region_code"))
        event.update(envelope)
        with Connection(self.config["AMQP_URI"]) as conn:
            producer = Producer(conn.channel())
            producer.publish(event, exchange=Exchange(topology.INBOUND_EXCHANGE, type="topic",
                                                      durable=True),
                             routing_key=routing_key, serializer="json", delivery_mode=2)
        return event


@pytest.fixture
def personnel(container_factory, nameko_config, monkeypatch, platform_env):
    monkeypatch.setenv("PERSONNEL_METRICS_PORT", "0")
    database = f"{platform_env['MONGO_DB_PREFIX']}_personnel"
    get_client().drop_database(database)
    container = container_factory(PersonnelService, nameko_config)
    container.start()
    with ServiceRpcProxy("personnel", nameko_config, timeout=60) as proxy:
        yield Personnel(container, proxy)
    container.stop()
    get_client().drop_database(database)


# --- a small world: three bodies, their posts, one servant -------------------------------------

class World:
    """Karaganda akimat (KZ-35), Abai akimat (KZ-10), Ministry of National Economy (central)."""

    def __init__(self, rpc):
        self.rpc = rpc
        self.kz35 = rpc.create_organisation({"name": "Akimat of Karaganda region", "kind": "regional",
                                             "region_code": "KZ-35"}, "hr-admin")
        self.kz10 = rpc.create_organisation({"name": "Akimat of Abai region", "kind": "regional",
                                             "region_code": "KZ-10"}, "hr-admin")
        self.mne = rpc.create_organisation({"name": "Ministry of National Economy",
                                            "kind": "central", "region_code": None}, "hr-admin")
        self.serial = 100

    def post(self, org: dict, category: str, title="Head of Division") -> dict:
        return self.rpc.create_position({"org_id": org["org_id"], "title": title, "corps": "B",
                                         "category": category}, "hr-admin")

    def servant(self, post: dict, *, post_start=date(2021, 3, 1), birth=date(1985, 5, 17),
                home_region=None) -> dict:
        self.serial += 1
        data = {"iin": domain.first_valid_iin(birth, "male", self.serial),
                "full_name": f"Servant {self.serial}", "position_id": post["position_id"],
                "service_start": date(2010, 9, 1).isoformat(), "post_start": post_start.isoformat()}
        if home_region:
            data["home_region"] = home_region
        return self.rpc.register_civil_servant(data, "hr-kz35")

    def request(self, servant: dict, target: dict, **extra) -> dict:
        body = {"servant_id": servant["servant_id"], "target_position_id": target["position_id"],
                "planned_start": (TODAY + timedelta(days=30)).isoformat(), "term_months": 24,
                "basis": "mobility programme", **extra}
        return self.rpc.request_rotation(body, "hr-kz35-clerk")


@pytest.fixture
def world(personnel):
    return World(personnel.rpc)
