from services.common.config import load_settings


def test_defaults_serve_the_local_stack(monkeypatch):
    for name in ("AMQP_URI", "MONGO_URI", "GATEWAY_PORT", "MONGO_DB_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.amqp_uri.startswith("pyamqp://") and "127.0.0.1:5672" in settings.amqp_uri
    assert settings.mongo_uri == "mongodb://127.0.0.1:27017/"
    assert settings.gateway_port == 8000
    assert settings.database_name("budgets") == "regional_budgets"
    assert settings.metrics_port("personnel") == 9103


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("MONGO_DB_PREFIX", "ops")
    monkeypatch.setenv("GATEWAY_PORT", "8100")
    monkeypatch.setenv("BUDGETS_METRICS_PORT", "9999")
    monkeypatch.setenv("RPC_TIMEOUT_SECONDS", "1.5")
    settings = load_settings()
    assert settings.database_name("budgets") == "ops_budgets"
    assert settings.gateway_port == 8100 and settings.metrics_port("budgets") == 9999
    assert settings.rpc_timeout_seconds == 1.5


def test_each_replica_serves_metrics_on_its_own_port(monkeypatch):
    for name in ("GATEWAY_METRICS_PORT", "BUDGETS_METRICS_PORT", "PLATFORM_REPLICA"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings().replica == 1
    assert load_settings().metrics_port("gateway") == 9100
    monkeypatch.setenv("PLATFORM_REPLICA", "3")
    settings = load_settings()
    assert settings.metrics_port("gateway") == 9300 and settings.metrics_port("budgets") == 9302
    monkeypatch.setenv("BUDGETS_METRICS_PORT", "0")  # no listener stays no listener
    assert load_settings().metrics_port("budgets") == 0


def test_the_per_request_local_check_agrees_with_the_settings(monkeypatch):
    from services.common.config import is_local_environment, load_settings
    for value, local in (("local", True), ("production", False), ("", False)):
        monkeypatch.setenv("PLATFORM_ENV", value)
        assert is_local_environment() is local
        assert load_settings().is_local is local
    monkeypatch.delenv("PLATFORM_ENV")
    assert is_local_environment() is False
