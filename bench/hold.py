"""A bench platform held open for profiling: ``python -m bench.hold [SECONDS]``.

Starts the same isolated platform as ``make bench`` (own vhost, db prefix, ports, state folder),
writes its address, token and service pids to ``var/bench/hold.json`` and keeps it up until
SECONDS pass (default 1800) or the process is interrupted; then it is stopped and removed. Run
``py-spy record -p PID`` / ``py-spy dump -p PID`` against the pids while wrk loads the address.
"""
import json
import os
import signal
import sys
import time

from bench.platform import ROOT, Platform


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # a TERM stops and removes the platform as Ctrl-C does


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1800
    extra = {k: v for k, v in os.environ.items() if k.startswith("REPLICAS")}
    with Platform("prof", extra_env=extra) as platform:
        info = {"base_url": platform.base_url, "token": platform.token("admin"),
                "prefix": platform.prefix, "vhost": platform.vhost, "pids": platform.pids(),
                "amqp_uri": platform.amqp_uri, "env": {k: platform.env[k] for k in (
                    "AMQP_URI", "MONGO_DB_PREFIX", "JWT_SECRET", "GATEWAY_PORT")}}
        path = os.path.join(ROOT, "var", "bench", "hold.json")
        with open(path, "w") as f:
            json.dump(info, f, indent=1)
        print(f"platform up at {platform.base_url}; details in {path}", flush=True)
        try:
            time.sleep(seconds)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
