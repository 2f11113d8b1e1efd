"""`regionctl logs --correlation-id` and `regionctl status` on files and processes the test makes."""
import json
import logging
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services import regionctl
from services.common import health, logs

WANTED = "corr-wanted"


def _line(time, service, replica, message, correlation_id=WANTED, event_id=None, level="INFO"):
    return json.dumps({"time": time, "level": level, "service": service, "replica": replica,
                       "logger": "x", "correlation_id": correlation_id, "event_id": event_id,
                       "message": message})


@pytest.fixture
def log_dir(tmp_path):
    (tmp_path / "gateway.log").write_text("\n".join([
        _line("2026-12-06T05:00:00.100+00:00", "gateway", "1", "http create_project ok"),
        _line("2026-12-06T05:00:00.050+00:00", "gateway", "1", "someone else's", "corr-other"),
        "Traceback (most recent call last):  \"correlation_id\": \"corr-wanted\" not JSON",
        _line("2026-12-06T05:00:00.400+00:00", "gateway", "1", "event on_event ok",
              event_id="ev-1"),
    ]) + "\n")
    (tmp_path / "investments-2.log").write_text(
        _line("2026-12-06T05:00:00.080+00:00", "investments", "2", "rpc register_project ok") + "\n"
        + _line("2026-12-06T05:00:00.200+00:00", "investments", "2", "outbox published",
                event_id="ev-1") + "\n")
    (tmp_path / "notes.txt").write_text(_line("2026-12-06T05:00:00.000+00:00", "x", "1", "no"))
    return tmp_path


def test_read_lines_gathers_one_request_from_every_log_in_time_order(log_dir):
    lines = logs.read_lines(str(log_dir), WANTED)
    assert [(ln["service"], ln["message"]) for ln in lines] == [
        ("investments", "rpc register_project ok"), ("gateway", "http create_project ok"),
        ("investments", "outbox published"), ("gateway", "event on_event ok")]
    assert logs.read_lines(str(log_dir / "missing"), WANTED) == []


def test_regionctl_logs_prints_json_lines_or_a_readable_line_and_fails_when_none(log_dir, capsys):
    assert regionctl.main(["logs", "--correlation-id", WANTED, "--log-dir", str(log_dir),
                           "--json"]) == 0
    printed = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert [ln["time"] for ln in printed] == sorted(ln["time"] for ln in printed)
    assert len(printed) == 4 and {ln["correlation_id"] for ln in printed} == {WANTED}

    assert regionctl.main(["logs", "--correlation-id", WANTED, "--log-dir", str(log_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2026-12-06T05:00:00.080+00:00 investments/2")
    assert out[-1].endswith("event on_event ok [event ev-1]")

    assert regionctl.main(["logs", "--correlation-id", "nobody", "--log-dir", str(log_dir)]) == 1
    assert "no log line with correlation id nobody" in capsys.readouterr().err


def test_the_json_formatter_writes_what_read_lines_reads_back(tmp_path, monkeypatch):
    monkeypatch.setenv("PLATFORM_REPLICA", "3")
    handler = logging.FileHandler(tmp_path / "budgets-3.log")
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger("test.ops.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with logs.bound("corr-roundtrip", "ev-9"):
            logger.info("imported %s lines", 12)
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)
        handler.close()
    [line] = logs.read_lines(str(tmp_path), "corr-roundtrip")
    assert line["message"] == "imported 12 lines"
    assert (line["replica"], line["event_id"], line["level"]) == ("3", "ev-9", "INFO")
    assert set(line) >= {"time", "level", "service", "replica", "correlation_id", "event_id",
                         "message"}
    assert logs.current() == (None, None)


class _Metrics(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/metrics" else 404)
        self.end_headers()
        self.wfile.write(b"platform_outbox_backlog 0\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def metrics_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_replica_rows_tell_up_down_and_a_process_without_metrics(tmp_path, metrics_server):
    # a process whose command line names nameko stands in for a service replica
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "nameko"])
    try:
        # until the child has exec'd, its command line is still the forked pytest's (a loaded
        # machine showed that window): wait for the one a replica has
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
                if b"nameko" in f.read():
                    break
            time.sleep(0.01)
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / "gateway.pid").write_text(str(proc.pid))
        (tmp_path / "run" / "budgets-2.pid").write_text(str(proc.pid))
        (tmp_path / "run" / "personnel.pid").write_text("999999999")  # stale
        (tmp_path / "prometheus-targets.json").write_text(json.dumps([
            {"targets": [f"127.0.0.1:{metrics_server}"],
             "labels": {"service": "gateway", "replica": "1"}},
            {"targets": ["127.0.0.1:1"], "labels": {"service": "budgets", "replica": "2"}},
            {"targets": ["127.0.0.1:1"], "labels": {"service": "personnel", "replica": "1"}},
            {"targets": ["127.0.0.1:1"], "labels": {"service": "investments", "replica": "1"}},
        ]))
        rows = {r.name: r for r in health.replica_rows(tmp_path)}
    finally:
        proc.kill()
        proc.wait()
    assert list(rows) == ["investments/1", "budgets/2", "personnel/1", "gateway/1"]
    assert rows["gateway/1"].state == "up"
    assert rows["gateway/1"].detail == f"pid {proc.pid}, metrics :{metrics_server}"
    assert rows["budgets/2"].state == "no-metrics"
    assert rows["personnel/1"].state == "down" and rows["investments/1"].state == "down"
    assert not rows["personnel/1"].healthy() and rows["gateway/1"].healthy()


def test_status_prints_one_table_and_exits_1_when_a_replica_is_down(monkeypatch, capsys):
    rows = [health.Row("component", "broker", "up", "amqp://guest:***@127.0.0.1:5672/"),
            health.Row("replica", "personnel/1", "down", "pid -, metrics :9103"),
            health.Row("dlq", "platform.dead-letters", "messages", "2 dead-lettered"),
            health.Row("outbox", "investments", "-", "backlog 3, oldest 12s")]
    monkeypatch.setattr(health, "platform_status", lambda settings: rows)
    assert regionctl.main(["status"]) == 1
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["KIND", "NAME", "STATE", "DETAIL"]
    assert len(table) == 5 and len({line.index(line.split()[2]) for line in table[1:]}) == 1
    assert "platform.dead-letters  messages" in table[3]
    rows[1] = health.Row("replica", "personnel/1", "up", "pid 7, metrics :9103")
    assert regionctl.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[2] == {
        "kind": "dlq", "name": "platform.dead-letters", "state": "messages",
        "detail": "2 dead-lettered"}
