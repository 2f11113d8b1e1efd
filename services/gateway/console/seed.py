"""``regionctl seed`` (hub part): what the Office's own panels need beside the services' demo data.

Through the gateway's HTTP API with a short-lived admin token, as any client would:
- SRS provision of every region, **demo values** (illustrative, not official statistics; the
  source says so and the console marks them), deterministic per region;
- the rotation-due scan and the hub's deadline checks, so initiatives are opened by the rules
  (annual reports overdue since 1 April, stalled projects, rotations due; own revenue below the
  threshold is opened by the hub as the indicators arrive);
- a few of those initiatives moved on by a demo coordinator, so every column of the board shows.
Safe to re-run: SRS values are set, checks open each initiative once, moves happen once.
"""
import random
import sys
import time
from datetime import datetime, timezone

import requests

from services.common.config import load_settings
from services.common.regions import REGION_CODES

DEMO_SOURCE = "demo values (illustrative, not official statistics)"
SEED_SUBJECT = "seed-demo-coordinator"
MOVES = (("in_progress", "Demo: the akimat has started on it"),
         ("in_progress", "Demo: working group set up"),
         ("resolved", "Demo: the region's plan was accepted"))


def demo_srs_values(seed: int = 2025) -> dict[str, dict]:
    """Region → {cities_pct, rural_pct, rural_population_pct}: spread around and below the 2030
    targets (96, 71, 90), cities of republican significance ahead of the regions."""
    values = {}
    for code in REGION_CODES:
        rng = random.Random(f"srs-{seed}-{code}")
        city = code in ("KZ-71", "KZ-75", "KZ-79")
        values[code] = {"cities_pct": str(rng.randint(880, 990 if city else 975) / 10),
                        "rural_pct": str(rng.randint(380, 760) / 10),
                        "rural_population_pct": str(rng.randint(550, 930) / 10)}
    return values


class Gateway:
    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs):
        response = self.session.request(method, self.base_url + path, timeout=120, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None


def scan_due_rotations() -> None:
    """The personnel service's rotation-due scan, over RPC: with a full demo staff it takes longer
    than the gateway's RPC timeout."""
    from nameko.standalone.rpc import ServiceRpcProxy
    config = {"AMQP_URI": load_settings().amqp_uri, "serializer": "json"}
    with ServiceRpcProxy("personnel", config, timeout=300) as rpc:
        rpc.scan_due_rotations()


# The hub seed's steps, in order. ``regionctl seed`` runs "srs" beside the services' seeds and
# "rotations" as soon as personnel's staff is stored (the scan reads nothing else), so only the
# deadline checks and the board's moves wait for every area.
HUB_SEED_STEPS = ("srs", "rotations", "checks")


def seed_hub(gateway: Gateway, *, seed: int, today, out=sys.stdout,
             steps=HUB_SEED_STEPS) -> dict:
    unknown = sorted(set(steps) - set(HUB_SEED_STEPS))
    if unknown:
        raise ValueError(f"unknown hub seed steps {unknown}; choose from {HUB_SEED_STEPS}")
    started = time.monotonic()
    done = {}
    if "srs" in steps:
        for code, values in demo_srs_values(seed).items():
            gateway.call("PUT", f"/api/v1/hub/regions/{code}/srs",
                         json={**values, "source": DEMO_SOURCE, "as_of": today.isoformat()})
        print(f"hub: SRS demo values for {len(REGION_CODES)} regions "
              f"({time.monotonic() - started:.1f}s)", file=out)
    if "rotations" in steps:
        scan_due_rotations()
        print(f"hub: rotation-due scan done ({time.monotonic() - started:.1f}s)", file=out)
    if "checks" in steps:
        done = run_checks_and_moves(gateway)
        print(f"hub: deadline checks opened {done['opened']} initiatives, {done['moved']} moved on "
              f"({time.monotonic() - started:.1f}s)", file=out)
    return done


def run_checks_and_moves(gateway: Gateway) -> dict:
    """The hub's deadline checks, then a few open initiatives moved on (once) by the demo
    coordinator, so every column of the board shows."""
    checks = gateway.call("POST", "/api/v1/hub/checks", json={})
    moved = 0
    page = gateway.call("GET", "/api/v1/hub/initiatives", params={"limit": 200})
    if not any(i["status"] != "open" for i in page["items"]):
        candidates = sorted((i for i in page["items"] if i["status"] == "open"),
                            key=lambda i: i["id"])
        for initiative, (status, comment) in zip(candidates, MOVES, strict=False):
            gateway.call("PATCH", f"/api/v1/hub/initiatives/{initiative['id']}",
                         json={"status": status, "comment": comment,
                               "expected_version": initiative["version"]})
            moved += 1
    return {"opened": len(checks["opened"]), "moved": moved}


def seed_command(args, steps=HUB_SEED_STEPS) -> int:
    """Entry point for ``regionctl seed`` (hub part): ``steps``, a subset of ``HUB_SEED_STEPS``,
    run in their order."""
    from services.gateway.access.auth import issue_token
    settings = load_settings()
    token = issue_token(settings.jwt_secret, "admin", None, subject=SEED_SUBJECT, ttl_seconds=600,
                        issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    base_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    today = getattr(args, "today", None) or datetime.now(timezone.utc).date()
    try:
        seed_hub(Gateway(base_url, token), seed=getattr(args, "seed", None) or 2025, today=today,
                 steps=steps)
    except (RuntimeError, requests.RequestException) as exc:
        print(f"hub seed failed: {exc}", file=sys.stderr)
        return 1
    return 0
