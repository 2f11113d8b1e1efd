"""The whole platform, started as `make up` starts it (deploy/local/platform.sh), driven over HTTP.

The run gets a vhost, database prefix, ports and state folder of its own, so it never meets a
platform a developer already has running on the same broker and store.
"""
import os
import subprocess
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import requests

from tests.conftest import ROOT
from tests.support.ports import free_metrics_ports, free_port

pytestmark = pytest.mark.e2e


class ApiClient(requests.Session):
    def __init__(self, base_url: str, token: str | None):
        super().__init__()
        self.base_url = base_url
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)


class Platform:
    def __init__(self, env: dict, base_url: str):
        self.env = env
        self.base_url = base_url

    def token(self, role: str, region: str | None = None, subject: str | None = None,
              body: str | None = None) -> str:
        from services.gateway.access.auth import issue_token
        return issue_token(self.env["JWT_SECRET"], role, region,
                           subject=subject or f"{role}-{region or 'all'}", body=body,
                           issuer="regional-platform", audience="regional-platform-api")

    def api(self, role: str | None, region: str | None = None, subject: str | None = None):
        return ApiClient(self.base_url, self.token(role, region, subject) if role else None)

    def script(self, *args, check=True):
        return subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "platform.sh"), *args],
                              env=self.env, cwd=ROOT, capture_output=True, text=True, check=check)

    def log(self, service: str) -> str:
        with open(os.path.join(self.env["PLATFORM_STATE_DIR"], "log", f"{service}.log")) as f:
            return f.read()


def _management(path: str, method="put", **kwargs):
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    response = getattr(requests, method)(f"{api}/api/{path}", timeout=10, **kwargs)
    response.raise_for_status()


@contextmanager
def running_platform(**overrides):
    """The platform as `make up` starts it, on a vhost, database prefix, ports and state folder of
    its own; ``overrides`` are further environment settings (e.g. a longer RPC timeout)."""
    run_id = uuid.uuid4().hex[:8]
    vhost = f"e2e_{run_id}"
    _management(f"vhosts/{quote(vhost, safe='')}")
    _management(f"permissions/{quote(vhost, safe='')}/guest",
                json={"configure": ".*", "write": ".*", "read": ".*"})
    port = free_port()
    amqp_base = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/").rstrip("/")
    amqp_base = amqp_base.rsplit("/", 1)[0] if amqp_base.count("/") > 2 else amqp_base
    env = dict(os.environ)
    env.update({
        "AMQP_URI": f"{amqp_base}/{vhost}",
        "MONGO_DB_PREFIX": f"e2e_{run_id}",
        "GATEWAY_PORT": str(port),
        **free_metrics_ports(),
        "PLATFORM_STATE_DIR": os.path.join(ROOT, "var", "e2e", run_id),
        "PLATFORM_ENV": "local",
        "JWT_SECRET": f"e2e-secret-{uuid.uuid4().hex}",
        "OUTBOX_SWEEP_SECONDS": "0.5",
        "HANDLER_RETRY_DELAYS": "0.5,1",
        "RATE_LIMIT_PER_SECOND": "1000",
        "RATE_LIMIT_BURST": "1000",
        **overrides,
    })
    env.setdefault("PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
    running = Platform(env, f"http://127.0.0.1:{port}")
    started = running.script("up", check=False)
    if started.returncode != 0:
        running.script("down", check=False)
        pytest.fail(f"platform did not start:\n{started.stdout}\n{started.stderr}")
    try:
        yield running
    finally:
        running.script("down", check=False)
        _management(f"vhosts/{quote(vhost, safe='')}", method="delete")


@pytest.fixture(scope="session")
def platform():
    with running_platform() as running:
        yield running
