"""The bench's floor measure: nameko's own CPU per consumed event and per RPC call, against kombu
alone, each side in a process of its own on a vhost of this test's."""
from bench import nameko_floor


def test_every_side_handles_every_operation_and_reports_the_cpu_it_spent(rabbit_config,
                                                                          monkeypatch):
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])  # the child processes read it
    results = nameko_floor.measure(rabbit_config["AMQP_URI"], 40)
    assert results["kombu-consume"]["operations"] == 40
    assert results["nameko-consume"]["operations"] == 40
    assert results["nameko-rpc-client"]["operations"] == 40
    assert results["nameko-rpc-server"]["operations"] == 41  # the client's first call too
    for side in results.values():
        assert side["cpu_ms_per_operation"] > 0 and side["seconds"] >= 0
