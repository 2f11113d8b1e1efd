"""The test platforms' metrics ports leave room for every replica (tests/support/ports.py): a
second replica serves on its service's base + 100, and a base whose replica port another listener
holds is not handed out."""
import socket

from tests.support import ports


def test_a_base_whose_second_replica_port_is_taken_is_skipped(monkeypatch):
    with socket.socket() as held:
        held.bind((ports.HOST, 0))
        held.listen()
        taken = held.getsockname()[1]
        candidates = iter([taken - ports.REPLICA_PORT_STEP] + [ports.free_port() for _ in range(8)])
        monkeypatch.setattr(ports, "free_port", lambda: next(candidates))
        chosen = ports.free_metrics_ports(replicas=2)
    bases = [int(p) for p in chosen.values()]
    assert set(chosen) == {"GATEWAY_METRICS_PORT", "INVESTMENTS_METRICS_PORT",
                           "BUDGETS_METRICS_PORT", "PERSONNEL_METRICS_PORT"}
    assert taken - ports.REPLICA_PORT_STEP not in bases
    assert len(set(bases)) == 4
