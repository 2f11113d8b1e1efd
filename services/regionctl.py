"""regionctl: the platform's command line for operators and local users.

    regionctl token --role ROLE [--region KZ-xx] [--body CODE] [--subject NAME] [--ttl SECONDS]
    regionctl topology [--prune]             declare every exchange, queue and binding (as the
                                             broker administrator); --prune: drain and delete
                                             the earlier names (services/common/topology_prune.py)
    regionctl asyncapi                       the event catalogue (docs/asyncapi.yaml)
    regionctl dlq list|show ID|replay [ID…|--all]|discard ID…
    regionctl seed [--only investments,personnel,budgets] [--projects N] [--servants N] …
    regionctl import FILE [--format csv|ofdp] [--mode partial|all_or_nothing]
    regionctl keys create|list|revoke …      API keys for machine clients
    regionctl status [--json]                components, replicas, queues, DLQ, outboxes: one table
    regionctl logs --correlation-id ID [--json] [--log-dir DIR]
                                             one request's log lines from every service, by time
"""
import argparse
import json
import sys
import warnings
from datetime import date

# eventlet announces its own deprecation on import; operators need not read it on every command
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from services.common.config import load_settings  # noqa: E402  (after the warning filter)


def _asyncapi(args) -> int:
    from services.gateway.cli import asyncapi_command
    return asyncapi_command(args)


def _token(args) -> int:
    from services.gateway.cli import token_command
    return token_command(args)


def _topology(args) -> int:
    from services.common import topology
    uri = load_settings().amqp_uri
    topology.declare_all(uri, wait_seconds=args.wait)
    print(f"declared {len(topology.all_declarations())} exchanges and queues")
    if args.prune:
        from services.common.topology_prune import prune_legacy
        for line in prune_legacy(uri):
            print(line)
    return 0


def _dlq(args) -> int:
    from services.common import deadletters
    uri = load_settings().amqp_uri
    if args.action == "list":
        for item in deadletters.list_dead_letters(uri):
            print(json.dumps({k: item[k] for k in ("id", "reason", "handler", "attempts",
                                                     "event_type", "event_id", "error")}))
        return 0
    if args.action == "show":
        matches = [i for i in deadletters.list_dead_letters(uri) if i["id"] in args.ids]
        print(json.dumps(matches, indent=2, default=str))
        return 0 if matches else 1
    if args.action == "replay":
        if not args.ids and not args.all:
            print("name dead-letter ids or pass --all", file=sys.stderr)
            return 2
        count = deadletters.replay(uri, None if args.all else set(args.ids))
        print(f"replayed {count}")
        return 0
    if args.action == "discard":
        if not args.ids:
            print("name the dead-letter ids to discard", file=sys.stderr)
            return 2
        print(f"discarded {deadletters.discard(uri, set(args.ids))}")
        return 0
    return 2


SEED_AREAS = ("investments", "personnel", "budgets", "hub")


def _seed_clis() -> dict:
    """Each seed area's command line module (the hub's demo data ships with the gateway)."""
    from services.budgets import cli as budgets_cli
    from services.gateway import cli as gateway_cli
    from services.investments import cli as investments_cli
    from services.personnel import cli as personnel_cli
    return {"investments": investments_cli, "personnel": personnel_cli, "budgets": budgets_cli,
            "hub": gateway_cli}


# Areas that depend on no other area's seed: their services' data are independent (budgets'
# forecasts take investments' commissioned projects whenever they arrive, in any order), so they
# load side by side and their waits on the store and the broker overlap. The hub's steps go
# where their inputs are ready (console.seed.HUB_SEED_STEPS): its SRS values beside the areas,
# its rotation-due scan right after personnel's staff (it reads nothing else), its deadline
# checks and the board's moves after every area.
INDEPENDENT_SEED_AREAS = ("investments", "personnel", "budgets")


def _seed(args) -> int:
    """Demo data for `make run` users, through each service's own RPC (idempotent on re-run)."""
    from concurrent.futures import ThreadPoolExecutor
    areas = [a.strip() for a in args.only.split(",")] if args.only else list(SEED_AREAS)
    unknown = sorted(set(areas) - set(SEED_AREAS))
    if unknown:
        print(f"unknown seed areas: {unknown}; choose from {SEED_AREAS}", file=sys.stderr)
        return 2
    # each area has its own defaults for what was not given on the command line
    given = argparse.Namespace(**{k: v for k, v in vars(args).items() if v is not None})
    clis = _seed_clis()
    hub = "hub" in areas
    scan_after_personnel = hub and "personnel" in areas

    def seed_area(area: str) -> int:
        code = clis[area].seed_command(given)
        if area == "personnel" and scan_after_personnel:
            code = max(code, clis["hub"].seed_command(given, steps=("rotations",)))
        return code

    def hub_early_steps() -> int:
        return clis["hub"].seed_command(
            given, steps=("srs",) if scan_after_personnel else ("srs", "rotations"))

    together = [a for a in areas if a in INDEPENDENT_SEED_AREAS]
    jobs = [lambda area=area: seed_area(area) for area in together]
    if hub:
        jobs.append(hub_early_steps)
    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        codes = list(pool.map(lambda job: job(), jobs))
    if hub:
        codes.append(clis["hub"].seed_command(given, steps=("checks",)))
    return max(codes, default=0)


def _import(args) -> int:
    from services.budgets.cli import import_command
    return import_command(args)


def _status(args) -> int:
    """Exit 0 when every component and replica is up, 1 otherwise (scripts can wait on it)."""
    from services.common import health
    rows = health.platform_status(load_settings())
    if args.json:
        print(json.dumps([vars(row) for row in rows], indent=2))
    else:
        print(health.format_table(rows))
    return 0 if all(row.healthy() for row in rows if row.kind in ("component", "replica")) else 1


def _logs(args) -> int:
    import os

    from services.common import health, logs
    log_dir = args.log_dir or os.path.join(health.state_dir(), "log")
    lines = logs.read_lines(log_dir, args.correlation_id)
    for line in lines:
        if args.json:
            print(json.dumps(line, ensure_ascii=False))
            continue
        where = f"{line.get('service')}/{line.get('replica')}"
        event = f" [event {line['event_id']}]" if line.get("event_id") else ""
        print(f"{line.get('time')} {where:<14} {line.get('level', ''):<7} "
              f"{line.get('message')}{event}")
    if not lines:
        print(f"no log line with correlation id {args.correlation_id} under {log_dir}",
              file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regionctl")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a bearer token for the configured JWT secret")
    token.add_argument("--role", required=True)
    token.add_argument("--region", default=None)
    token.add_argument("--body", default=None,
                       help="central body code (a central_officer's token needs one)")
    token.add_argument("--subject", default="local-user")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(func=_token)

    sub.add_parser("asyncapi", help="print the event catalogue (AsyncAPI 3.0) of every contract"
                   ).set_defaults(func=_asyncapi)

    topo = sub.add_parser("topology", help="declare the bus topology (idempotent)")
    topo.add_argument("--wait", type=float, default=30)
    topo.add_argument("--prune", action="store_true",
                      help="then move what the earlier queue names hold and delete them")
    topo.set_defaults(func=_topology)

    dlq = sub.add_parser("dlq", help="dead letters: list, show, replay, discard")
    dlq.add_argument("action", choices=("list", "show", "replay", "discard"))
    dlq.add_argument("ids", nargs="*")
    dlq.add_argument("--all", action="store_true")
    dlq.set_defaults(func=_dlq)

    seed = sub.add_parser("seed", help="load demo data into the running platform")
    seed.add_argument("--only", default="", help=f"comma-separated subset of {SEED_AREAS}")
    seed.add_argument("--seed", type=int, default=None, help="random seed (same seed, same data)")
    seed.add_argument("--projects", type=int, default=600)
    seed.add_argument("--servants", type=int, default=None)
    seed.add_argument("--rotations", type=int, default=None)
    seed.add_argument("--today", type=date.fromisoformat, default=None)
    seed.add_argument("--batch-size", dest="batch_size", type=int, default=None)
    seed.add_argument("--timeout", type=float, default=None)
    seed.set_defaults(func=_seed)

    try:
        from services.budgets.cli import add_import_arguments
        add_import_arguments(sub.add_parser("import", help="bulk-import budget revenue lines"))
        sub.choices["import"].set_defaults(func=_import)
    except ImportError:  # the budgets CLI ships with the budgets service
        pass

    status = sub.add_parser("status", help="every component, replica, queue, the DLQ and the "
                                           "outboxes in one table")
    status.add_argument("--json", action="store_true", help="rows as JSON instead of a table")
    status.set_defaults(func=_status)

    logs = sub.add_parser("logs", help="one request's log lines from every service, by time")
    logs.add_argument("--correlation-id", dest="correlation_id", required=True)
    logs.add_argument("--log-dir", dest="log_dir", default=None,
                      help="default: $PLATFORM_STATE_DIR/log (var/platform/log)")
    logs.add_argument("--json", action="store_true", help="the JSON lines as they are")
    logs.set_defaults(func=_logs)

    from services.gateway.cli import add_keys_parser
    add_keys_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # a clear line, not a traceback, for operators
        from services.common.errors import PlatformError
        if isinstance(exc, PlatformError):
            print(f"error: {exc.message} {json.dumps(exc.details)}", file=sys.stderr)
            return 1
        if isinstance(exc, ValueError):  # a refused setting, e.g. no JWT_SECRET outside local
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
