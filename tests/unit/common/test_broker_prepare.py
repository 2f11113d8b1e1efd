"""`python -m services.broker_access prepare`: platform.sh's start-up step in one process."""
import io
from types import SimpleNamespace

from services import broker_access

SETTINGS = SimpleNamespace(amqp_uri="pyamqp://admin:secret@127.0.0.1:5672/run_1",
                           rabbit_api_uri="http://admin:secret@127.0.0.1:15672", is_local=True)


def _prepared(monkeypatch, *, users: bool):
    calls = []
    monkeypatch.setattr(broker_access.topology, "declare_all",
                        lambda uri, wait_seconds: calls.append(("topology", uri, wait_seconds)))
    monkeypatch.setattr(broker_access, "apply",
                        lambda api, vhost, is_local: calls.append(("users", api, vhost)) or ["u"])
    out = io.StringIO()
    assert broker_access.prepare(SETTINGS, users=users, wait_seconds=7, out=out) == 0
    uris = dict(line.split(" ", 1) for line in out.getvalue().splitlines()
                if not line.startswith("#"))
    return calls, uris


def test_prepare_declares_the_topology_before_the_users_and_names_each_services_own_user(
        monkeypatch):
    calls, uris = _prepared(monkeypatch, users=True)
    assert calls == [("topology", SETTINGS.amqp_uri, 7),
                     ("users", SETTINGS.rabbit_api_uri, "run_1")]
    assert set(uris) == set(broker_access.SERVICES)
    for service, uri in uris.items():
        assert uri == broker_access.uri_for(SETTINGS.amqp_uri, f"platform-{service}",
                                            is_local=True)
        assert uri.startswith(f"pyamqp://platform-{service}:") and uri.endswith("/run_1")


def test_prepare_without_users_keeps_the_administrators_uri_for_every_service(monkeypatch):
    calls, uris = _prepared(monkeypatch, users=False)
    assert [c[0] for c in calls] == ["topology"]
    assert uris == {service: SETTINGS.amqp_uri for service in broker_access.SERVICES}
