"""examples/external_consumer.py receives what the platform's outbox relay publishes.

The example runs as its own process (plain kombu, no platform code) against this test's vhost; the
events come from a throw-away service writing through ``Store.save_new`` (transactional outbox,
relay with confirms), i.e. exactly the path every domain service publishes by.
"""
import json
import os
import select
import subprocess
import sys
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import asyncapi
from services.common.mongo import Repository, Store, get_client
from services.gateway.hub import contracts  # noqa: F401  (registers every event schema)
from services.investments.contract.events import ProjectCommissioned
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

EXAMPLE = os.path.join(ROOT, "examples", "external_consumer.py")
QUEUE = "ministry-of-national-economy.projects"


class CommissionedProjects(Repository):
    collection_name = "commissioned_projects"


class ProjectOrigin:
    name = "contract_origin"
    projects = Store(CommissionedProjects)

    @rpc
    def commission(self, project_id):
        payload = dict(asyncapi.example_payload(ProjectCommissioned, "project_commissioned"),
                       project_id=project_id)
        self.projects.save_new({"_id": project_id, "stage": "commissioned"},
                               [("project_commissioned", payload)])


@pytest.fixture
def origin(container_factory, nameko_config, platform_env):
    container = container_factory(ProjectOrigin, nameko_config)
    container.start()
    yield container
    get_client()[f"{platform_env['MONGO_DB_PREFIX']}_contract_origin"].drop_collection(
        "commissioned_projects")


def _commission(container, project_id):
    with ServiceRpcProxy(container.service_name, container.config) as proxy:
        proxy.commission(project_id)


class ExampleProcess:
    """The example consumer as a separate process; its stdout lines are what it printed."""

    def __init__(self, amqp_uri, *args):
        self.proc = subprocess.Popen(
            [sys.executable, EXAMPLE, "--amqp-uri", amqp_uri, "--queue", QUEUE, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        self.lines: list[str] = []

    def wait_for_line(self, prefix: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.lines.append(line.rstrip("\n"))
                if line.startswith(prefix):
                    return line
        self.proc.kill()
        raise AssertionError(f"no line starting {prefix!r}; got {self.lines}; "
                             f"stderr {self.proc.stderr.read()}")

    def finish(self, timeout: float = 30) -> tuple[list[dict], str]:
        out, err = self.proc.communicate(timeout=timeout)
        self.lines.extend(out.splitlines())
        assert self.proc.returncode == 0, err
        return [json.loads(line) for line in self.lines if line.startswith("{")], err


def _depth(amqp_uri, name) -> int:
    with Connection(amqp_uri) as conn:
        return Queue(name, channel=conn.default_channel).queue_declare(passive=True).message_count


def test_external_consumer_receives_an_event_published_by_the_outbox_relay(origin, nameko_config):
    uri = nameko_config["AMQP_URI"]
    consumer = ExampleProcess(uri, "--keys", "project_commissioned", "--max-messages", "1",
                              "--idle-timeout", "30")
    consumer.wait_for_line("ready:")
    project_id = str(uuid.uuid4())
    _commission(origin, project_id)
    events, _ = consumer.finish()
    assert len(events) == 1
    event = events[0]
    assert event["event_type"] == "project_commissioned"
    assert event["source"] == "investments"
    assert event["project_id"] == project_id
    assert event["expected_annual_local_revenue_kzt"] == "1250000.00"
    uuid.UUID(event["event_id"])


def test_its_own_durable_queue_keeps_events_while_it_is_down(origin, nameko_config):
    uri = nameko_config["AMQP_URI"]
    first = ExampleProcess(uri, "--max-messages", "1", "--idle-timeout", "30")
    first.wait_for_line("ready:")  # declares and binds the queue, then we stop it
    _commission(origin, "before-restart")
    first.finish()
    _commission(origin, "while-down")
    deadline = time.monotonic() + 20
    while _depth(uri, QUEUE) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _depth(uri, QUEUE) == 1  # waiting in the consumer's queue, nobody consuming
    events, _ = ExampleProcess(uri, "--max-messages", "1", "--idle-timeout", "30").finish()
    assert [e["project_id"] for e in events] == ["while-down"]
    assert _depth(uri, QUEUE) == 0


def test_a_bad_envelope_is_parked_and_the_consumer_goes_on(origin, nameko_config):
    uri = nameko_config["AMQP_URI"]
    consumer = ExampleProcess(uri, "--max-messages", "1", "--idle-timeout", "30")
    consumer.wait_for_line("ready:")
    exchange = Exchange("investments.events", type="topic", durable=True)
    with Connection(uri) as conn:
        producer = conn.Producer()
        producer.publish({"event_id": "nope", "event_type": "project_commissioned"},
                         exchange=exchange, routing_key="project_commissioned", serializer="json")
        producer.publish(b"\x00not json", exchange=exchange, routing_key="project_commissioned",
                         content_type="application/octet-stream", content_encoding="binary")
    _commission(origin, "after-bad-ones")
    events, err = consumer.finish()
    assert [e["project_id"] for e in events] == ["after-bad-ones"]
    assert "rejected a message: schema_version: missing" in err
    assert "rejected a message: not JSON" in err
    assert _depth(uri, f"{QUEUE}.invalid") == 2
