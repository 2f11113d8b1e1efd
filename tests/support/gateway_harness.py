"""The gateway service alone on a real broker (a vhost per test) and store, driven over HTTP.

Shared by the ``test_gateway_*`` integration modules (a uniquely named module, not a conftest, so
it never clashes with other areas' fixtures). Domain services are not started: the hub and admin
routes answer from the gateway's own database, and events are published straight to the
``<source>.events`` exchanges as the services would.
"""
import uuid

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.utils import find_free_port
from prometheus_client import REGISTRY

from services.common import remote_errors  # noqa: F401  (errors cross RPC as themselves)
from services.common.config import load_settings
from services.common.mongo import get_client
from services.gateway.access.auth import issue_token
from tests.support import wait_until
from tests.support.hub_events import full_gateway_class, publish


class Client(requests.Session):
    def __init__(self, base_url: str, headers: dict | None = None):
        super().__init__()
        self.base_url = base_url
        self.headers.update(headers or {})

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 20)
        return super().request(method, self.base_url + url, *args, **kwargs)


class Gateway:
    def __init__(self, container, base_url: str, amqp_uri: str):
        self.container = container
        self.base_url = base_url
        self.amqp_uri = amqp_uri
        self.settings = load_settings()
        self.db = get_client()[self.settings.database_name("gateway")]
        self.published = 0
        self.handled_before = handled_count()

    def token(self, role: str, region: str | None = None, subject: str | None = None,
              **kwargs) -> str:
        return issue_token(self.settings.jwt_secret, role, region,
                           subject=subject or f"{role}-{region or 'all'}",
                           issuer=self.settings.jwt_issuer, audience=self.settings.jwt_audience,
                           **kwargs)

    def api(self, role: str | None = None, region: str | None = None,
            subject: str | None = None) -> Client:
        headers = {"Authorization": f"Bearer {self.token(role, region, subject)}"} if role else {}
        return Client(self.base_url, headers)

    def raw(self, headers: dict | None = None) -> Client:
        return Client(self.base_url, headers)

    def publish(self, *wires: dict) -> None:
        publish(self.amqp_uri, *wires)
        self.published += len(wires)

    def wait_handled(self, timeout: float = 20) -> None:
        """Until the hub has handled (journal, read models, initiatives: acked) every delivery
        published so far, duplicates included."""
        wait_until(lambda: handled_count() - self.handled_before >= self.published,
                   timeout=timeout, message=f"{self.published} deliveries handled")

    def rpc(self, method: str, *args, **kwargs):
        with ServiceRpcProxy("gateway", self.container.config) as proxy:
            return getattr(proxy, method)(*args, **kwargs)


def handled_count() -> float:
    """Deliveries the hub's handler acked in this process (the container runs in the test)."""
    return REGISTRY.get_sample_value("platform_events_handled_total", {
        "service": "gateway", "handler": "record_event", "outcome": "ok"}) or 0


def start_gateway(container_factory, nameko_config, monkeypatch, **env) -> Gateway:
    monkeypatch.setenv("JWT_SECRET", f"integration-secret-{uuid.uuid4().hex}")
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    # every test starts from an empty gateway database (the prefix is shared by the whole run)
    get_client().drop_database(load_settings().database_name("gateway"))
    port = find_free_port()
    config = {**nameko_config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}
    container = container_factory(full_gateway_class(), config)
    container.start()
    return Gateway(container, f"http://127.0.0.1:{port}", nameko_config["AMQP_URI"])


@pytest.fixture
def gateway(container_factory, nameko_config, monkeypatch):
    return start_gateway(container_factory, nameko_config, monkeypatch,
                         RATE_LIMIT_PER_SECOND=1000, RATE_LIMIT_BURST=1000)
