"""regionctl: the platform's command line for operators and local users.

    regionctl token --role ROLE [--region KZ-xx] [--subject NAME] [--ttl SECONDS]
    regionctl topology                       declare every exchange, queue and binding
    regionctl dlq list|show ID|replay [ID…|--all]|discard ID…
"""
import argparse
import json
import sys

from services.common.config import load_settings


def _token(args) -> int:
    from services.gateway.auth import issue_token
    settings = load_settings()
    print(issue_token(settings.jwt_secret, args.role, args.region, subject=args.subject,
                      ttl_seconds=args.ttl, issuer=settings.jwt_issuer,
                      audience=settings.jwt_audience))
    return 0


def _topology(args) -> int:
    from services.common import topology
    topology.declare_all(load_settings().amqp_uri, wait_seconds=args.wait)
    print(f"declared {len(topology.all_declarations())} exchanges and queues")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regionctl")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a bearer token for the configured JWT secret")
    token.add_argument("--role", required=True)
    token.add_argument("--region", default=None)
    token.add_argument("--subject", default="local-user")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(func=_token)

    topo = sub.add_parser("topology", help="declare the bus topology (idempotent)")
    topo.add_argument("--wait", type=float, default=30)
    topo.set_defaults(func=_topology)

    dlq = sub.add_parser("dlq", help="dead letters: list, show, replay, discard")
    dlq.add_argument("action", choices=("list", "show", "replay", "discard"))
    dlq.add_argument("ids", nargs="*")
    dlq.add_argument("--all", action="store_true")
    dlq.set_defaults(func=_dlq)
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
        raise


if __name__ == "__main__":
    sys.exit(main())
