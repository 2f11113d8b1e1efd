"""The bench's per-command store cost: every command runs against a database of its own, which
is dropped afterwards, and each reports the store's and the client's CPU."""
from bench import store_commands
from services.common.mongo import get_client


def test_each_command_runs_reports_its_cost_and_leaves_no_database(monkeypatch):
    monkeypatch.setattr(store_commands, "SETTLE_SECONDS", 0.0)
    client = get_client()
    before = set(client.list_database_names())
    costs = store_commands.measure(client, n=5)
    assert set(costs) == {"insert, small document", "insert, project", "find one project by _id",
                          "update one field of a project"}
    for figures in costs.values():
        assert figures["wall_ms"] > 0 and figures["store_ms"] >= 0 and figures["client_ms"] >= 0
    left = {name for name in set(client.list_database_names()) - before
            if name.startswith("bench_store_commands_")}
    assert left == set()
