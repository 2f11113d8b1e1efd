"""Alertmanager's local receiver: every webhook notification becomes one JSON line in a file.

    alert_receiver.py --port 9095 --out var/monitoring/alerts.jsonl

Standard library only. Each line is Alertmanager's webhook body (status, groupLabels, alerts with
their labels, annotations, startsAt) plus ``received_at``, so `tail -f` shows what fires and what
resolves without a mail server.
"""
import argparse
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY_BYTES = 1024 * 1024


def make_handler(out_path: str):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer(200 if self.path == "/health" else 404, {"status": "up"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != "/alerts" or not 0 < length <= MAX_BODY_BYTES:
                self._answer(400, {"error": "POST a webhook body to /alerts"})
                return
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._answer(400, {"error": "the body is not JSON"})
                return
            body["received_at"] = datetime.now(timezone.utc).isoformat()
            with lock, open(out_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(body, sort_keys=True) + "\n")
            self._answer(200, {"status": "recorded"})

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):  # one line per request on stderr (the log file)
            print(f"{self.log_date_time_string()} {fmt % args}", flush=True)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9095)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    ThreadingHTTPServer((args.host, args.port), make_handler(args.out)).serve_forever()


if __name__ == "__main__":
    main()
