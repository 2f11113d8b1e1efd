"""Infrastructure of the fault suite's own: a RabbitMQ node and a FerretDB nobody else uses.

The fault tests kill, restart and stop the broker and the store, so they never touch the shared
ones (127.0.0.1:5672 / :27017) other people test against. Each run gets free ports and a state
folder ``var/fault/<run id>/``; the broker is started the way deploy/local/infra.sh starts it (the
Debian package's scripts, run as the ``rabbitmq`` user when we are root, with the node's whole
configuration under the state folder), the store is FerretDB 1.x on a PostgreSQL 15 cluster of its
own, started by ``deploy/local/infra.sh postgresql-up`` on a free port (so it carries the revision
guard and index twins of deploy/local/store_guard.sql, like the default local store). With
``FAULT_STORE_BACKEND=sqlite`` the store is FerretDB on SQLite instead (no guard: two replicas of a
service can then lose updates). Every process is tracked by pid and stopped by pid.
"""
import fcntl
import os
import shutil
import signal
import subprocess
import time

import pymongo
from kombu import Connection

from tests.conftest import ROOT
from tests.support.ports import free_port  # noqa: F401 (the fault tests import it from here)

# Every fault test's hang guard (pytest-timeout; its setup included, which starts a broker node,
# a store cluster and eight services): beside the other suites on 2 busy cores that start alone
# took minutes. A real hang still ends the run well inside CI's limit.
HANG_GUARD_SECONDS = 900

HOST = "127.0.0.1"
RABBITMQ_BIN = "/usr/lib/rabbitmq/bin"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:g}s")


def _tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class RabbitNode:
    """A RabbitMQ node of its own (no management plugin: nothing here needs it)."""

    def __init__(self, base: str, node: str):
        self.base = base
        self.node = node
        self.amqp_port = free_port()
        self.dist_port = free_port()
        self.amqp_uri = f"pyamqp://guest:guest@{HOST}:{self.amqp_port}/"
        self.pid_file = os.path.join(base, "rabbitmq.pid")
        self.run_as = "rabbitmq" if os.geteuid() == 0 else None

    def _env(self) -> dict:
        home = "/var/lib/rabbitmq" if self.run_as else self.base
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONF_ENV_FILE": os.path.join(self.base, "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": os.path.join(self.base, "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(self.base, "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.base, "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.base, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.base, "log"),
            "RABBITMQ_PID_FILE": self.pid_file,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_ADDRESS": HOST,
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def _run(self, tool: str, *args, timeout: float = 60) -> subprocess.CompletedProcess:
        argv = [os.path.join(RABBITMQ_BIN, tool), *args]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        return subprocess.run(argv, env=self._env(), cwd=self.base, capture_output=True,
                              text=True, timeout=timeout)

    def _write_config(self) -> None:
        os.makedirs(self.base, exist_ok=True)
        files = {
            "rabbitmq-env.conf": "# fault suite: empty on purpose\n",
            "rabbitmq.conf": (f"listeners.tcp.1 = {HOST}:{self.amqp_port}\n"
                              "loopback_users.guest = true\nlog.file.level = warning\n"),
            "enabled_plugins": "[].\n",
        }
        for name, text in files.items():
            with open(os.path.join(self.base, name), "w") as f:
                f.write(text)
        if self.run_as:
            shutil.chown(self.base, self.run_as, self.run_as)
            for root, dirs, names in os.walk(self.base):
                for entry in dirs + names:
                    shutil.chown(os.path.join(root, entry), self.run_as, self.run_as)

    def pid(self) -> int | None:
        try:
            with open(self.pid_file) as f:
                pid = int(f.read().strip() or 0)
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def answers(self) -> bool:
        try:
            with Connection(self.amqp_uri, connect_timeout=1) as conn:
                conn.ensure_connection(max_retries=1)
            return True
        except Exception:
            return False

    def start(self, timeout: float = 90) -> float:
        started = time.monotonic()
        self._write_config()
        result = self._run("rabbitmq-server", "-detached")
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmq-server -detached failed: {result.stderr}")
        try:
            wait_for(self.answers, timeout, f"RabbitMQ node {self.node} answering")
        except TimeoutError:
            raise RuntimeError(_tail(os.path.join(self.base, "log", f"{self.node}.log"))) from None
        return time.monotonic() - started

    def stop(self, timeout: float = 60) -> None:
        pid = self.pid()
        if pid is None:
            return
        self._run("rabbitmqctl", "stop", self.pid_file, timeout=timeout)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not pid_alive(pid), 20, "RabbitMQ exit")

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: not pid_alive(pid), 20, "RabbitMQ exit")

    def restart(self) -> float:
        self.stop()
        return self.start()


def _works(binary: str) -> bool:
    # a plain `go install` build of FerretDB 1.24.2 panics at start (see README): check it runs
    return bool(binary) and os.access(binary, os.X_OK) and subprocess.run(
        [binary, "--version"], capture_output=True, timeout=30).returncode == 0


def find_ferretdb() -> str:
    own = os.path.join(ROOT, "var", "bin", "ferretdb")
    for candidate in (os.environ.get("FERRETDB_BIN", ""), own, shutil.which("ferretdb") or ""):
        if _works(candidate):
            return candidate
    # the shared store may be someone else's (infra.sh then built nothing here): build our own,
    # once: `make test` runs the fault suite in two processes, and the second to get here waits
    # for the first one's build instead of building again
    os.makedirs(os.path.dirname(own), exist_ok=True)
    with open(os.path.join(os.path.dirname(own), ".ferretdb-build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _works(own):
            subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "infra.sh"), "build-ferretdb"],
                           check=True, timeout=900)
    if _works(own):
        return own
    raise RuntimeError("no working FerretDB binary: deploy/local/infra.sh build-ferretdb failed "
                       "(see its output), or set FERRETDB_BIN")


class PostgresNode:
    """A PostgreSQL 15 cluster of the suite's own, through deploy/local/infra.sh (guard included)."""

    def __init__(self, base: str):
        self.base = base
        self.port = free_port()
        self.url = f"postgres://postgres@{HOST}:{self.port}/ferretdb?pool_max_conns=200"
        self.data = os.path.join(base, "data")

    def _infra(self, command: str, timeout: float = 180) -> subprocess.CompletedProcess:
        env = {**os.environ, "INFRA_PG_PORT": str(self.port), "INFRA_PG_DIR": self.base,
               "PYTHON": os.environ.get("PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))}
        return subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "infra.sh"), command],
                              env=env, capture_output=True, text=True, timeout=timeout)

    def start(self) -> float:
        started = time.monotonic()
        result = self._infra("postgresql-up")
        if result.returncode != 0:
            raise RuntimeError(f"infra.sh postgresql-up failed:\n{result.stdout}\n{result.stderr}")
        return time.monotonic() - started

    def pid(self) -> int | None:
        return postmaster_pid(self.data)

    def stop(self) -> None:
        if self.pid() is not None:
            self._infra("postgresql-down", timeout=90)


def postmaster_pid(data: str) -> int | None:
    """The live postmaster of the cluster in ``data`` (a reused pid of a killed run is not it)."""
    try:
        with open(os.path.join(data, "postmaster.pid")) as f:
            pid = int(f.readline().strip() or 0)  # the first of its lines
    except (OSError, ValueError):
        return None
    return pid if pid and pid_alive(pid) and _mentions(pid, data) else None


class FerretNode:
    """FerretDB on the suite's PostgreSQL cluster (or on SQLite files); stop/start keeps the data."""

    def __init__(self, base: str, postgres: PostgresNode | None):
        self.base = base
        self.postgres = postgres
        self.port = free_port()
        self.uri = f"mongodb://{HOST}:{self.port}/"
        self.binary = find_ferretdb()
        self.proc: subprocess.Popen | None = None

    def answers(self) -> bool:
        try:
            client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
            try:
                client.admin.command("ping")
                return True
            finally:
                client.close()
        except Exception:
            return False

    def _backend_args(self) -> list[str]:
        if self.postgres is not None:
            return ["--handler=postgresql", f"--postgresql-url={self.postgres.url}"]
        data = os.path.join(self.base, "data")
        os.makedirs(data, exist_ok=True)
        return ["--handler=sqlite", f"--sqlite-url=file:{data}/?_pragma=synchronous(normal)"]

    def start(self, timeout: float = 60) -> float:
        started = time.monotonic()
        state = os.path.join(self.base, "state")
        os.makedirs(state, exist_ok=True)
        log = open(os.path.join(self.base, "ferretdb.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, *self._backend_args(),
             f"--listen-addr={HOST}:{self.port}", f"--state-dir={state}", "--debug-addr=-",
             "--telemetry=disable", "--log-level=error"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "DO_NOT_TRACK": "1"}, start_new_session=True)
        log.close()
        with open(os.path.join(self.base, "ferretdb.pid"), "w") as f:
            f.write(str(self.proc.pid))
        wait_for(self.answers, timeout, "FerretDB answering")
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class FaultInfrastructure:
    def __init__(self, run_id: str):
        self.run_id = run_id
        self.base = os.path.join(ROOT, "var", "fault", run_id)
        self.rabbit = RabbitNode(os.path.join(self.base, "rabbitmq"), f"fault-{run_id}@localhost")
        self.backend = os.environ.get("FAULT_STORE_BACKEND", "postgresql")
        if self.backend not in ("postgresql", "sqlite"):
            raise ValueError(f"FAULT_STORE_BACKEND={self.backend}: postgresql or sqlite")
        self.postgres = (PostgresNode(os.path.join(self.base, "postgresql"))
                         if self.backend == "postgresql" else None)
        self.store = FerretNode(os.path.join(self.base, "ferretdb"), self.postgres)
        self.logs = os.path.join(self.base, "log")

    @property
    def amqp_uri(self) -> str:
        return self.rabbit.amqp_uri

    @property
    def mongo_uri(self) -> str:
        return self.store.uri

    def start(self) -> None:
        os.makedirs(self.logs, exist_ok=True)
        with open(os.path.join(self.base, "owner.pid"), "w") as f:
            f.write(str(os.getpid()))
        if self.postgres is not None:
            self.postgres.start()
        self.store.start()
        self.rabbit.start()

    def stop(self) -> None:
        try:
            self.rabbit.stop()
        finally:
            try:
                self.store.stop()
            finally:
                if self.postgres is not None:
                    self.postgres.stop()


def reap_abandoned_runs() -> list[str]:
    """Stop what earlier runs left behind when their pytest died (owner pid gone), by pid."""
    reaped = []
    root = os.path.join(ROOT, "var", "fault")
    if not os.path.isdir(root):
        return reaped
    for run_id in os.listdir(root):
        base = os.path.join(root, run_id)
        owner = _read_pid(os.path.join(base, "owner.pid"))
        if owner is not None and pid_alive(owner):
            continue  # a run in progress (someone else's, maybe): leave it alone
        # the suite's stack, and the second one test_fault_store_recovery runs in recovery/
        for pid_file in ("rabbitmq/rabbitmq.pid", "ferretdb/ferretdb.pid", "recovery/run/ferretdb.pid"):
            pid = _read_pid(os.path.join(base, pid_file))
            if pid and pid_alive(pid) and _mentions(pid, base):
                os.kill(pid, signal.SIGKILL)
        for data in ("postgresql/data", "recovery/postgresql/data"):
            postmaster = postmaster_pid(os.path.join(base, data))
            if postmaster is not None:
                os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown: backends go with it
                try:
                    wait_for(lambda postmaster=postmaster: not pid_alive(postmaster), 20, "abandoned PostgreSQL exit")
                except TimeoutError:
                    os.kill(postmaster, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)
        reaped.append(run_id)
    return reaped


def _read_pid(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _mentions(pid: int, base: str) -> bool:
    """The process's command line or environment names the run folder (it is ours)."""
    for name in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                if base.encode() in f.read():
                    return True
        except OSError:
            pass
    return False


def add_vhost(rabbit: RabbitNode, name: str) -> str:
    """A vhost of its own per test: queues left by one test never meet the next."""
    for args in (("add_vhost", name), ("set_permissions", "-p", name, "guest", ".*", ".*", ".*")):
        result = rabbit._run("rabbitmqctl", *args)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr}")
    return rabbit.amqp_uri.rstrip("/") + "/" + name


def delete_vhost(rabbit: RabbitNode, name: str) -> None:
    if rabbit.pid() is not None:
        rabbit._run("rabbitmqctl", "delete_vhost", name)
