"""Runs one platform service the way ``nameko run --config FILE module:Class`` does, for less.

    python -m services.nameko_runner --config deploy/nameko.yaml services.gateway.service:GatewayService

The four services start at once on a small machine, so every CPU second of a process's start is
spent while the others wait. ``nameko run`` spends two of them on nothing a service uses:
- its command line imports ``pkg_resources`` (for ``--version``), which scans every installed
  distribution: about 0.2 s of CPU per process;
- eventlet imports dnspython for its green resolver unless ``EVENTLET_NO_GREENDNS`` is set: about
  0.2 s of CPU more. The platform names its broker and store by address or by a name the system
  resolver answers from /etc/hosts or its cache, so the standard resolver serves it; a deployment
  that wants the green resolver sets ``EVENTLET_NO_GREENDNS=no``.
- with ``--uri-from FILE`` it imports the service (most of its start's CPU) while the start-up
  script prepares the broker, then waits for FILE, takes its AMQP_URI from it and removes it:
  deploy/local/platform.sh writes each service's URI there once its broker user exists.
- with ``--ready-file FILE`` it writes FILE once every container has started (its entrypoints
  listen and consume), so a start-up script waiting for several replicas of a service knows when
  each one serves, not only the first to answer on a shared port.
Everything else is nameko's own: the same configuration file with the same ``${VAR:default}``
substitution, the same logging set-up, ``ServiceRunner`` and SIGTERM handling
(``nameko.cli.run.main``).
"""
import argparse
import os
import re
import sys
import time

import yaml  # as nameko run, before eventlet's monkey_patch (main)

# nameko's own pattern (nameko.cli.main), without its optional `regex` module: one level of
# ${VAR} or ${VAR:default}, which is all deploy/nameko.yaml uses
ENV_VAR = re.compile(r"\$\{([^}:\s]+):?([^}]+)?\}")
HAS_ENV_VAR = re.compile(r".*\$\{.*\}.*")


def _substitute(match: re.Match) -> str:
    name, default = match.groups()
    value = os.environ.get(name)
    return value if value is not None else (default or "")


def _env_var(loader, node):
    raw = loader.construct_scalar(node)
    value = ENV_VAR.sub(_substitute, raw)
    # as nameko: the substituted text is read as YAML again (numbers stay numbers)
    return value if value == raw else yaml.safe_load(value)


def install_env_var_resolver(loader=yaml.SafeLoader) -> None:
    """Teaches ``loader`` the ``${VAR:default}`` scalars, as nameko.cli.main does SafeLoader."""
    yaml.add_constructor("!env_var", _env_var, loader)
    yaml.add_implicit_resolver("!env_var", HAS_ENV_VAR, Loader=loader)


def take_uri(path: str, wait_seconds: float, poll_seconds: float = 0.05) -> str:
    """The AMQP URI the start-up script writes to ``path`` (then removed: it names a password),
    waiting for it at most ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with open(path) as handed:
                uri = handed.read().strip()
        except FileNotFoundError:
            if time.monotonic() >= deadline:
                raise SystemExit(f"no broker URI in {path} after {wait_seconds:.0f} s: "
                                 "the broker was not prepared") from None
            time.sleep(poll_seconds)
            continue
        os.remove(path)
        if not uri:
            raise SystemExit(f"{path} names no broker URI")
        return uri


def mark_ready_after_start(path: str) -> None:
    """Make ``ServiceRunner.start`` write ``path`` once it has returned: every container started."""
    from nameko.runners import ServiceRunner
    start = ServiceRunner.start

    def start_then_mark(runner):
        start(runner)
        with open(path + ".tmp", "w") as ready:
            ready.write(f"{os.getpid()}\n")
        os.replace(path + ".tmp", path)

    ServiceRunner.start = start_then_mark


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.nameko_runner")
    parser.add_argument("services", nargs="+", metavar="module:Class")
    parser.add_argument("--config", required=True, help="the nameko YAML configuration")
    parser.add_argument("--uri-from", help="import first, then take AMQP_URI from this file")
    parser.add_argument("--uri-wait", type=float, default=90.0,
                        help="seconds to wait for --uri-from (default 90)")
    parser.add_argument("--ready-file", help="written once every container has started")
    args = parser.parse_args(argv)
    # before eventlet is first imported: it reads this once
    os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")
    import eventlet
    eventlet.monkey_patch()
    install_env_var_resolver()
    from nameko.cli.run import import_service
    from nameko.cli.run import main as run
    if args.uri_from:
        if "." not in sys.path:  # as nameko run, so the import below finds what it will
            sys.path.insert(0, ".")
        for target in args.services:
            import_service(target)
        os.environ["AMQP_URI"] = take_uri(args.uri_from, args.uri_wait)
    if args.ready_file:
        mark_ready_after_start(args.ready_file)
    run(argparse.Namespace(services=args.services, config=args.config, backdoor_port=None,
                           broker=None))


if __name__ == "__main__":
    sys.exit(main())
