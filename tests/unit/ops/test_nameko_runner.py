"""services.nameko_runner: reads deploy/nameko.yaml as `nameko run` does, and takes its broker URI
from the file the start-up script writes (then removes it)."""
import os
import subprocess
import sys
import threading
import time

import pytest
import yaml

from services import nameko_runner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
CONFIG = os.path.join(ROOT, "deploy", "nameko.yaml")
ENV = {"AMQP_URI": "pyamqp://u:p@127.0.0.1:5999/vh", "GATEWAY_PORT": "8123",
       "MAX_WORKERS": "7", "LOG_LEVEL": "DEBUG"}


def _nameko_reading(environ: dict) -> dict:
    """The configuration as nameko's own command line reads it, in a process of its own (its
    parser registers itself on yaml.SafeLoader for good)."""
    code = ("import json, sys, yaml; from nameko.cli.main import setup_yaml_parser; "
            "setup_yaml_parser(); print(json.dumps(yaml.safe_load(open(sys.argv[1]))))")
    out = subprocess.run([sys.executable, "-c", code, CONFIG], env={**os.environ, **environ},
                         capture_output=True, text=True, check=True).stdout
    return yaml.safe_load(out)


def test_the_configuration_reads_as_nameko_reads_it(monkeypatch):
    for name in ("AMQP_URI", "GATEWAY_HOST", "GATEWAY_PORT", "MAX_WORKERS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    class Loader(yaml.SafeLoader):  # this process's SafeLoader stays as it is
        pass
    nameko_runner.install_env_var_resolver(Loader)
    with open(CONFIG) as f:
        ours = yaml.load(f, Loader=Loader)
    assert ours["AMQP_URI"] == ENV["AMQP_URI"]
    assert ours["WEB_SERVER_ADDRESS"] == "127.0.0.1:8123"  # GATEWAY_HOST's default
    assert ours["max_workers"] == 7  # a number, as nameko reads it
    assert ours["LOGGING"]["root"]["level"] == "DEBUG"
    clean = {k: v for k, v in os.environ.items()
             if k not in ("AMQP_URI", "GATEWAY_HOST", "GATEWAY_PORT", "MAX_WORKERS", "LOG_LEVEL")}
    assert ours == _nameko_reading({**clean, **ENV})


def test_the_uri_is_taken_once_written_and_the_file_removed(tmp_path):
    handed = tmp_path / "gateway.uri"
    writer = threading.Timer(0.2, lambda: handed.write_text("amqp://platform-gateway:s@h/v\n"))
    writer.start()
    began = time.monotonic()
    assert nameko_runner.take_uri(str(handed), wait_seconds=5) == "amqp://platform-gateway:s@h/v"
    assert time.monotonic() - began >= 0.2
    assert not handed.exists()


def test_no_uri_within_the_wait_stops_the_start(tmp_path):
    with pytest.raises(SystemExit, match="no broker URI"):
        nameko_runner.take_uri(str(tmp_path / "missing.uri"), wait_seconds=0.2)
    empty = tmp_path / "empty.uri"
    empty.write_text("\n")
    with pytest.raises(SystemExit, match="names no broker URI"):
        nameko_runner.take_uri(str(empty), wait_seconds=1)


def test_the_ready_file_is_written_once_the_runner_has_started_and_not_before(tmp_path,
                                                                              monkeypatch):
    from nameko.runners import ServiceRunner
    ready = tmp_path / "gateway-2.ready"
    seen_during_start = []

    def start(runner):  # the containers' start: the file must not exist yet
        seen_during_start.append(ready.exists())

    monkeypatch.setattr(ServiceRunner, "start", start)
    nameko_runner.mark_ready_after_start(str(ready))
    ServiceRunner({"AMQP_URI": "memory://"}).start()
    assert seen_during_start == [False]
    assert ready.read_text().strip() == str(os.getpid())
    assert not (tmp_path / "gateway-2.ready.tmp").exists()


def test_a_start_that_fails_writes_no_ready_file(tmp_path, monkeypatch):
    from nameko.runners import ServiceRunner
    ready = tmp_path / "investments.ready"

    def start(runner):
        raise RuntimeError("the store never answered")

    monkeypatch.setattr(ServiceRunner, "start", start)
    nameko_runner.mark_ready_after_start(str(ready))
    with pytest.raises(RuntimeError):
        ServiceRunner({"AMQP_URI": "memory://"}).start()
    assert not ready.exists()
