"""Fixtures shared by the integration, e2e and fault suites.

The broker and store are the local processes `make test` starts (deploy/local/infra.sh), or the
ones AMQP_URI / MONGO_URI / RABBIT_API_URI point at. When a Docker engine is present and
PLATFORM_USE_DOCKER=1, pytest-docker brings them up from deploy/docker-compose.yml instead.
"""
import os
import shutil
import subprocess
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The suites run against the local broker and store (guest account, development secret), which
# the services accept only in explicit local development (services/common/config.py).
os.environ.setdefault("PLATFORM_ENV", "local")


def _docker_engine_available() -> bool:
    if os.environ.get("PLATFORM_USE_DOCKER") != "1" or shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


USE_DOCKER = _docker_engine_available()


def pytest_configure(config):
    # the test process handles every service's events, as the gateway does: register them all
    from tests.support.contracts import registered_contracts
    registered_contracts()
    # nameko's rabbit fixtures read these options; point them at the configured broker
    amqp = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    config.option.RABBIT_AMQP_URI = amqp
    config.option.RABBIT_API_URI = api


if USE_DOCKER:
    @pytest.fixture(scope="session")
    def docker_compose_file():
        return os.path.join(ROOT, "deploy", "docker-compose.yml")

    @pytest.fixture(scope="session", autouse=True)
    def _infrastructure(docker_services):
        from tests.support import wait_for_infrastructure
        docker_services.wait_until_responsive(timeout=120, pause=1,
                                              check=wait_for_infrastructure)


@pytest.fixture(scope="session")
def db_prefix():
    """A database prefix of its own for this test run (MongoDB databases are cheap)."""
    return f"test_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def platform_env(monkeypatch, rabbit_config, db_prefix):
    """Environment for services started in-process: a fresh vhost and this run's databases."""
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    monkeypatch.setenv("MONGO_DB_PREFIX", db_prefix)
    monkeypatch.setenv("OUTBOX_SWEEP_SECONDS", "0.2")
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "0.2,0.4")
    monkeypatch.setenv("HANDLER_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("GATEWAY_METRICS_PORT", "0")  # in-process gateways: /metrics on the API port
    # as `make run/up` do before any service starts: the services only look the shared names up
    from services.common import topology
    topology.declare_all(rabbit_config["AMQP_URI"])
    return {"AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_DB_PREFIX": db_prefix}


@pytest.fixture
def nameko_config(platform_env):
    return {"AMQP_URI": platform_env["AMQP_URI"], "serializer": "json", "max_workers": 10,
            "WEB_SERVER_ADDRESS": "127.0.0.1:0"}
