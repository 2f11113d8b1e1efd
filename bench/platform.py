"""A platform of the bench's own, started as `make up` starts it (deploy/local/platform.sh).

It gets a vhost, a database prefix, free ports and a state folder of its own (as tests/e2e does),
so it never meets a platform a developer already runs on the same broker and store. The rate limit
is lifted through configuration only (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST): it stays on by
default for everybody else.
"""
import os
import socket
import subprocess
import time
import uuid
from urllib.parse import quote

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = ("investments", "budgets", "personnel", "gateway")
LIFTED_RATE = "1000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _management(path: str, method: str = "put", **kwargs) -> None:
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    response = getattr(requests, method)(f"{api}/api/{path}", timeout=10, **kwargs)
    response.raise_for_status()


def amqp_base() -> str:
    base = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/").rstrip("/")
    return base.rsplit("/", 1)[0] if base.count("/") > 2 else base


class Isolation:
    """A vhost and a database prefix of the bench's own; removed on exit."""

    def __init__(self, label: str = "bench"):
        self.run_id = uuid.uuid4().hex[:8]
        self.vhost = f"{label}_{self.run_id}"
        self.prefix = f"{label}_{self.run_id}"
        self.amqp_uri = f"{amqp_base()}/{self.vhost}"

    def __enter__(self):
        name = quote(self.vhost, safe="")
        _management(f"vhosts/{name}")
        _management(f"permissions/{name}/guest",
                    json={"configure": ".*", "write": ".*", "read": ".*"})
        return self

    def __exit__(self, *exc):
        from services.common.mongo import get_client
        client = get_client()
        for name in client.list_database_names():
            if name.startswith(self.prefix + "_"):
                client.drop_database(name)
        try:
            _management(f"vhosts/{quote(self.vhost, safe='')}", method="delete")
        except requests.RequestException:
            pass


class Platform(Isolation):
    """The four services as separate processes, on ports and a state folder of their own."""

    def __init__(self, label: str = "bench", extra_env: dict | None = None):
        super().__init__(label)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update({
            "AMQP_URI": self.amqp_uri,
            "MONGO_DB_PREFIX": self.prefix,
            "GATEWAY_PORT": str(self.port),
            "GATEWAY_METRICS_PORT": str(free_port()),
            "INVESTMENTS_METRICS_PORT": str(free_port()),
            "BUDGETS_METRICS_PORT": str(free_port()),
            "PERSONNEL_METRICS_PORT": str(free_port()),
            "PLATFORM_STATE_DIR": os.path.join(ROOT, "var", "bench", self.run_id),
            "JWT_SECRET": f"bench-secret-{uuid.uuid4().hex}",
            "OUTBOX_SWEEP_SECONDS": "0.5",
            "RATE_LIMIT_PER_SECOND": LIFTED_RATE,
            "RATE_LIMIT_BURST": LIFTED_RATE,
            "WITH_MONITORING": "0",  # never the shared Prometheus/Alertmanager of `make up`
        })
        env.update(extra_env or {})
        env.setdefault("PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
        self.env = env
        self.cold_start_seconds = None

    def script(self, *args, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "platform.sh"), *args],
                              env=self.env, cwd=ROOT, capture_output=True, text=True, check=check)

    def __enter__(self):
        super().__enter__()
        began = time.perf_counter()
        started = self.script("up", check=False)
        if started.returncode != 0:
            self.script("down", check=False)
            super().__exit__()
            raise RuntimeError(f"platform did not start:\n{started.stdout}\n{started.stderr}")
        self.cold_start_seconds = time.perf_counter() - began
        return self

    def __exit__(self, *exc):
        self.script("down", check=False)
        super().__exit__(*exc)

    def token(self, role: str = "admin", region: str | None = None) -> str:
        from services.gateway.access.auth import issue_token
        return issue_token(self.env["JWT_SECRET"], role, region, subject=f"bench-{role}",
                           issuer="regional-platform", audience="regional-platform-api",
                           ttl_seconds=24 * 3600)

    def pids(self) -> dict:
        """{service (or service-replica): pid} from the state folder's pid files."""
        folder = os.path.join(self.env["PLATFORM_STATE_DIR"], "run")
        found = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".pid"):
                with open(os.path.join(folder, name)) as f:
                    text = f.read().strip()
                if text:
                    found[name[:-4]] = int(text)
        return found

    def run_env(self) -> dict:
        """The environment a client of this platform (regionctl, a bench) runs with."""
        return dict(self.env)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
