"""Fixtures of the fault suite: private infrastructure, services as processes, the ledger summary.

Isolation: the broker and the store here are the suite's own (fault_infra.py), started once per
session on free ports with their state under var/fault/<run id>/, and stopped at the end; each
test gets its own vhost and database prefix on them. Nothing here touches the shared broker
(127.0.0.1:5672) or store (127.0.0.1:27017).
"""
import os
import shutil
import uuid

import pymongo
import pytest

from tests.support.fault_infra import (
    FaultInfrastructure,
    add_vhost,
    delete_vhost,
    free_port,
    reap_abandoned_runs,
)
from tests.support.fault_ledger import NOTES, REPORTS
from tests.support.fault_processes import ServiceProcess, declare_topology
from tests.support.ports import free_metrics_ports


@pytest.fixture(scope="session")
def fault_infra(request):
    reap_abandoned_runs()
    infra = FaultInfrastructure(uuid.uuid4().hex[:8])
    try:
        infra.start()
    except Exception:
        infra.stop()
        raise
    yield infra
    infra.stop()
    if request.session.testsfailed == 0:
        shutil.rmtree(infra.base, ignore_errors=True)
    else:
        print(f"\nfault suite state and logs kept in {infra.base}")


@pytest.fixture
def fault_env(fault_infra, request):
    """Environment for the services of one test: its own vhost and databases."""
    name = f"t{uuid.uuid4().hex[:8]}"
    uri = add_vhost(fault_infra.rabbit, name)
    env = {
        "AMQP_URI": uri,
        "MONGO_URI": fault_infra.mongo_uri,
        "MONGO_DB_PREFIX": f"fault_{name}",
        "OUTBOX_SWEEP_SECONDS": "1",
        "HANDLER_RETRY_DELAYS": "0.5,1,2",
        "HANDLER_MAX_ATTEMPTS": "3",
        "LOG_LEVEL": "WARNING",
        "PLATFORM_FAULT_HOOK": "",
        # never the developer's ports
        "GATEWAY_PORT": str(free_port()),
        **free_metrics_ports(),
    }
    declare_topology(env)
    yield env
    delete_vhost(fault_infra.rabbit, name)


@pytest.fixture
def start_service(fault_infra, fault_env, request):
    """``start_service(target, port=None, **env)`` runs ``nameko run target``; all are stopped after."""
    started: list[ServiceProcess] = []

    def start(target: str, http_port: int | None = None, health_path: str = "/health",
              wait: bool = True, **extra) -> ServiceProcess:
        env = dict(fault_env, **extra)
        if http_port is not None:
            env["GATEWAY_PORT"] = str(http_port)
        health = f"http://127.0.0.1:{env['GATEWAY_PORT']}{health_path}" if http_port else None
        name = target.split(":")[-1]
        log = os.path.join(fault_infra.logs, f"{request.node.name[:60]}-{name}.log")
        process = ServiceProcess(target, env, log, health)
        started.append(process)
        return process.start(wait=wait)

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def fault_db(fault_infra, fault_env):
    """``fault_db(service)``: that service's database in the fault store."""
    client = pymongo.MongoClient(fault_infra.mongo_uri, tz_aware=True,
                                 serverSelectionTimeoutMS=5000)
    yield lambda service: client[f"{fault_env['MONGO_DB_PREFIX']}_{service}"]
    client.close()


def pytest_terminal_summary(terminalreporter):
    if REPORTS or NOTES:
        terminalreporter.section("fault ledger (lost and duplicated must be 0)")
        for report in REPORTS:
            terminalreporter.write_line(report.line())
        for note in NOTES:
            terminalreporter.write_line(note)


REPLICAS = 2  # of every service, the gateway (and its hub) included


class FaultPlatform:
    """Two replicas of each of the four services, started by deploy/local/platform.sh against the
    fault infrastructure (instances ``investments`` and ``investments-2``, and so on)."""

    def __init__(self, infra, env: dict, port: int):
        self.infra = infra
        self.env = env
        self.base_url = f"http://127.0.0.1:{port}"

    def script(self, *args):
        import subprocess

        from tests.conftest import ROOT
        return subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "platform.sh"), *args],
                              env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=180)

    def token(self, role: str, region: str | None = None) -> str:
        from services.gateway.access.auth import issue_token
        return issue_token(self.env["JWT_SECRET"], role, region, subject=f"fault-{role}",
                           issuer="regional-platform", audience="regional-platform-api",
                           ttl_seconds=3600)

    def headers(self, role: str = "admin", region: str | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token(role, region)}"}

    @staticmethod
    def instances(service: str) -> list[str]:
        return [service if r == 1 else f"{service}-{r}" for r in range(1, REPLICAS + 1)]

    def pids(self) -> dict:
        """Instance name -> pid of every replica platform.sh recorded."""
        pids = {}
        run = os.path.join(self.env["PLATFORM_STATE_DIR"], "run")
        for service in ("investments", "budgets", "personnel", "gateway"):
            for name in self.instances(service):
                with open(os.path.join(run, f"{name}.pid")) as f:
                    pids[name] = int(f.read().strip())
        return pids

    def db(self, service: str):
        client = pymongo.MongoClient(self.infra.mongo_uri, tz_aware=True,
                                     serverSelectionTimeoutMS=5000)
        return client[f"{self.env['MONGO_DB_PREFIX']}_{service}"]

    def log(self, service: str) -> str:
        with open(os.path.join(self.env["PLATFORM_STATE_DIR"], "log", f"{service}.log"),
                  errors="replace") as f:
            return f.read()


@pytest.fixture(scope="session")
def fault_platform(fault_infra):
    """The whole platform on the fault infrastructure (shared by the tests that need the API)."""
    name = f"platform{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = dict(os.environ)
    env.update({
        "AMQP_URI": add_vhost(fault_infra.rabbit, name),
        "MONGO_URI": fault_infra.mongo_uri,
        "MONGO_DB_PREFIX": f"fault_{name}",
        "GATEWAY_PORT": str(port),
        **free_metrics_ports(),
        "PLATFORM_STATE_DIR": os.path.join(fault_infra.base, "platform"),
        "PLATFORM_ENV": "local",
        "JWT_SECRET": f"fault-secret-{uuid.uuid4().hex}",
        "OUTBOX_SWEEP_SECONDS": "1",
        "HANDLER_RETRY_DELAYS": "0.5,1,2",
        "RATE_LIMIT_PER_SECOND": "10000",
        "RATE_LIMIT_BURST": "10000",
        "LOG_LEVEL": "WARNING",
        "REPLICAS": str(REPLICAS),
        # the suite's own RabbitMQ node runs without the management plugin, so the services keep
        # AMQP_URI's account here; the broker users' permissions are tested against the local
        # broker (tests/integration/test_bus_permissions.py)
        "PLATFORM_BROKER_USERS": "0",
    })
    for variable in [k for k in env if k.startswith("REPLICAS_")]:
        del env[variable]  # a developer's per-service count must not shrink the suite's platform
    platform = FaultPlatform(fault_infra, env, port)
    started = platform.script("up")
    if started.returncode != 0:
        platform.script("down")
        pytest.fail(f"platform did not start on the fault infrastructure:\n{started.stdout}\n"
                    f"{started.stderr}")
    yield platform
    platform.script("down")
