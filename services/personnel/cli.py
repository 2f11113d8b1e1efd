"""``regionctl seed`` for the personnel service: demo data for people who ``make run``.

The domain's seed (organisations in all 20 regions and central bodies, thousands of civil
servants, a few hundred rotations in every state, all produced by the real commands) goes to the
running personnel service over RPC, in batches, through its repositories: each document is stored
with the events its commands produced, so the hub's journal and mobility figures fill up too.

Loading is idempotent: the generation parameters are recorded at the first run, a re-run
regenerates exactly the same documents (same ``today``) and the service skips those it holds.

    regionctl seed [--seed 2025] [--servants 2500] [--rotations 360] [--today YYYY-MM-DD]
                   [--batch-size 500] [--timeout 120]
"""
import argparse
import sys
from datetime import date

from nameko.standalone.rpc import ServiceRpcProxy

from services.common import (
    clock,
    remote_errors,  # noqa: F401  (errors cross RPC as themselves)
)
from services.common.config import load_settings
from services.common.errors import Conflict
from services.personnel.application.demo_data import generate_seed
from services.personnel.application.transfer import to_wire

DEFAULTS = {"seed": 2025, "servants": 2500, "rotations": 360, "today": None, "batch_size": 500,
            "timeout": 120.0}
IN_FLIGHT = 4  # load_seed calls of one kind awaiting their answer at once
ID_FIELDS = {"organisations": "org_id", "positions": "position_id", "servants": "servant_id",
             "rotations": "rotation_id"}


def add_seed_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="random seed")
    parser.add_argument("--servants", type=int, default=DEFAULTS["servants"])
    parser.add_argument("--rotations", type=int, default=DEFAULTS["rotations"])
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the day the data is 'as of' (default: that of an earlier run, "
                             "else today)")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    parser.add_argument("--timeout", type=float, default=DEFAULTS["timeout"],
                        help="seconds to wait for each RPC answer")
    return parser


def _arg(args, name):
    value = getattr(args, name, None)
    return DEFAULTS[name] if value is None else value


def events_by_document(events) -> dict[str, list]:
    """The seed's events keyed by the id of the document whose command produced them."""
    grouped: dict[str, list] = {}
    for event_type, payload in events:
        owner = payload.get("rotation_id") or payload["servant_id"]
        grouped.setdefault(owner, []).append([event_type, payload])
    return grouped


def _add(report: dict, stored: int, existing: int) -> tuple[int, int]:
    return stored + report["stored"], existing + report["existing"]


def load(rpc, *, seed: int, servants: int, rotations: int, today: date | None, batch_size: int,
         out=sys.stdout) -> dict:
    """Generate and load the seed through ``rpc`` (a personnel RPC proxy); totals per kind."""
    recorded = rpc.seed_info() or {}
    if today is None:
        today = (date.fromisoformat(recorded["today"]) if recorded.get("today")
                 else clock.civil_today())
    rpc.begin_seed({"seed": seed, "servants": servants, "rotations": rotations,
                    "today": today.isoformat()})
    data = generate_seed(seed=seed, servants=servants, rotations=rotations, today=today)
    events = events_by_document(data.events)
    totals = {}
    for kind in ("organisations", "positions", "servants", "rotations"):
        documents = getattr(data, kind)
        stored = existing = 0
        replies = []
        for start in range(0, len(documents), batch_size):
            chunk = documents[start:start + batch_size]
            chunk_events = {d[ID_FIELDS[kind]]: events[d[ID_FIELDS[kind]]] for d in chunk
                            if d[ID_FIELDS[kind]] in events}
            # the batches of one kind are independent (a document's events travel with it), so
            # a few are in flight at once: their store writes and confirmed publishes overlap;
            # the kinds stay in order (servants' facts before their rotations')
            replies.append(rpc.load_seed.call_async({"kind": kind, "documents": to_wire(chunk),
                                                     "events": to_wire(chunk_events)}))
            if len(replies) >= IN_FLIGHT:
                stored, existing = _add(replies.pop(0).result(), stored, existing)
        for reply in replies:
            stored, existing = _add(reply.result(), stored, existing)
        totals[kind] = {"stored": stored, "existing": existing}
        print(f"{kind}: {stored} stored, {existing} already there", file=out)
    return {"today": today.isoformat(), **totals}


def seed_command(args) -> int:
    """Entry point for ``regionctl seed`` (``args`` from ``add_seed_arguments``)."""
    config = {"AMQP_URI": load_settings().amqp_uri, "serializer": "json"}
    try:
        with ServiceRpcProxy("personnel", config, timeout=_arg(args, "timeout")) as rpc:
            load(rpc, seed=_arg(args, "seed"), servants=_arg(args, "servants"),
                 rotations=_arg(args, "rotations"), today=getattr(args, "today", None),
                 batch_size=max(1, _arg(args, "batch_size")))
    except Conflict as exc:
        print(f"personnel seed refused: {exc.message} {exc.details}", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    parser = add_seed_arguments(argparse.ArgumentParser(prog="personnel-seed"))
    return seed_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
