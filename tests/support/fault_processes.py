"""Services of the fault suite run as real processes (`nameko run`), so kill -9 is real."""
import os
import signal
import subprocess
import sys
import time

import requests

from tests.conftest import ROOT

NAMEKO = os.path.join(os.path.dirname(sys.executable), "nameko")
CONFIG = os.path.join(ROOT, "deploy", "nameko.yaml")


def declare_topology(env: dict) -> None:
    """`regionctl topology` for a fault test's vhost, with the ledger services' subscription
    (which only their processes add): services only look the shared exchanges up."""
    code = ("import os, tests.support.fault_ledger_services\n"
            "from services.common import topology\n"
            "topology.declare_all(os.environ['AMQP_URI'], wait_seconds=30)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=90,
                   env={**os.environ, **env, "PYTHONPATH": ROOT})


class ServiceProcess:
    """One ``nameko run`` process; ``env`` is added to the environment of every start."""

    def __init__(self, target: str, env: dict, log_path: str, health_url: str | None = None):
        self.target = target
        self.env = env
        self.log_path = log_path
        self.health_url = health_url
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, extra_env: dict | None = None, wait: bool = True, timeout: float = 60):
        env = {**os.environ, **self.env, **(extra_env or {})}
        env["PYTHONPATH"] = ROOT  # the services and tests.support.fault_ledger_services
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {self.starts + 1} {time.strftime('%H:%M:%S')} "
                      f"{extra_env or ''}\n".encode())
            self.proc = subprocess.Popen([NAMEKO, "run", "--config", CONFIG, self.target],
                                         cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.starts += 1
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.target} exited ({self.proc.returncode}):\n{self.tail()}")
            if self.health_url is None or self._healthy():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.target} not ready in {timeout:g}s:\n{self.tail()}")

    def _healthy(self) -> bool:
        try:
            return requests.get(self.health_url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill9(self) -> None:
        """SIGKILL: no cleanup, no acks, no flush."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)

    def stop(self, grace: float = 10) -> None:
        if not self.alive():
            return
        self.proc.terminate()
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill9()

    def wait_exit(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""
