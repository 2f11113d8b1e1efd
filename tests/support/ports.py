"""Free TCP ports for the processes a test starts (brokers, stores, platforms) on 127.0.0.1.

A port the kernel hands out for ``bind(0)`` comes from the ephemeral range, the same range every
outgoing connection on the machine takes its local port from. Between choosing such a port and the
process that binds it (a RabbitMQ node seconds later, a platform after its services import), any
client connection -- and with the suites running side by side there are thousands -- may take it,
and the node fails with "port already used". Ports below the ephemeral range are never given to
outgoing connections, so only another listener can take one, and each is tried with a bind first.
"""
import random
import socket

HOST = "127.0.0.1"
LOWEST = 20_000  # above the well-known services that listen on this machine


def _ephemeral_floor() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default range starts here


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nobody listens on now, outside the ephemeral range when there is room below it."""
    floor = _ephemeral_floor()
    if floor - LOWEST >= 1_000:
        for _ in range(200):
            port = random.randrange(LOWEST, floor)
            if _bindable(port):
                return port
    with socket.socket() as s:  # no room below the range (an unusual kernel setting)
        s.bind((HOST, 0))
        return s.getsockname()[1]


# deploy/local/platform.sh: replica r of a service serves its metrics on the base + 100 * (r - 1)
REPLICA_PORT_STEP = 100


def free_metrics_ports(replicas: int = 3) -> dict[str, str]:
    """Each service's metrics base port (``<SERVICE>_METRICS_PORT``) for a platform of up to
    ``replicas`` processes per service: every replica's port is free, not only the first's (a
    second replica whose port another platform of a parallel suite held failed to start)."""
    ports = {}
    for service in ("GATEWAY", "INVESTMENTS", "BUDGETS", "PERSONNEL"):
        for _ in range(200):
            base = free_port()
            taken = set(ports.values())
            wanted = [base + REPLICA_PORT_STEP * r for r in range(replicas)]
            if all(_bindable(p) and p not in taken for p in wanted):
                break
        ports[f"{service}_METRICS_PORT"] = base
    return {name: str(port) for name, port in ports.items()}
