"""Outside PLATFORM_ENV=local no service starts with a missing, empty, default or short secret, or
with a default broker or Grafana password (issue #12 §1)."""
import pytest

from services.common import config
from services.common.config import InsecureConfiguration, check_deployment_secrets, load_settings

STRONG = "b6f1c0d7e2a94f3c8e5d1a7b9c0f2e4d6a8b1c3e5f7a9b0c"
SAFE_ENV = {
    "PLATFORM_ENV": "production",
    "JWT_SECRET": STRONG,
    "AMQP_URI": "pyamqp://gateway:Xq7-long-broker-pass@rabbitmq:5672/",
    "RABBIT_API_URI": "http://gateway:Xq7-long-broker-pass@rabbitmq:15672",
}


@pytest.fixture
def production(monkeypatch):
    monkeypatch.delenv("GRAFANA_ADMIN_PASSWORD", raising=False)
    for name, value in SAFE_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_a_well_configured_deployment_starts(production):
    check_deployment_secrets(load_settings())


@pytest.mark.parametrize("secret", [
    None, "", "local-development-secret-change-me", "CHANGE-ME", "short-secret",
    "CHANGE-ME-to-a-long-random-string-please-now", "a" * 64])
def test_a_missing_empty_default_short_or_trivial_token_secret_refuses_to_start(production,
                                                                                secret):
    if secret is None:
        production.delenv("JWT_SECRET")
    else:
        production.setenv("JWT_SECRET", secret)
    with pytest.raises(InsecureConfiguration) as refused:
        check_deployment_secrets(load_settings())
    assert "JWT_SECRET" in str(refused.value)
    assert (secret or "§") not in str(refused.value) or secret == "CHANGE-ME"


def test_unset_token_secret_has_no_default_outside_local(production):
    production.delenv("JWT_SECRET")
    assert load_settings().jwt_secret == ""


@pytest.mark.parametrize("variable,uri", [
    ("AMQP_URI", "pyamqp://guest:guest@rabbitmq:5672/"),
    ("AMQP_URI", "pyamqp://platform:platform@rabbitmq:5672/"),
    ("AMQP_URI", "pyamqp://gateway@rabbitmq:5672/"),
    ("AMQP_URI", "pyamqp://rabbitmq:5672/"),
    ("RABBIT_API_URI", "http://admin:admin@rabbitmq:15672"),
    ("RABBIT_API_URI", "http://guest:guest@rabbitmq:15672"),
])
def test_a_default_broker_password_refuses_to_start(production, variable, uri):
    production.setenv(variable, uri)
    with pytest.raises(InsecureConfiguration) as refused:
        check_deployment_secrets(load_settings())
    assert variable in str(refused.value)


@pytest.mark.parametrize("password", ["admin", "", "grafana"])
def test_a_default_grafana_password_refuses_to_start(production, password):
    production.setenv("GRAFANA_ADMIN_PASSWORD", password)
    with pytest.raises(InsecureConfiguration) as refused:
        check_deployment_secrets(load_settings())
    assert "GRAFANA_ADMIN_PASSWORD" in str(refused.value)


def test_local_development_keeps_its_defaults(monkeypatch):
    for name in ("JWT_SECRET", "AMQP_URI", "RABBIT_API_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PLATFORM_ENV", "local")
    settings = load_settings()
    assert settings.jwt_secret == config.LOCAL_JWT_SECRET
    check_deployment_secrets(settings)  # guest/guest and the development secret are fine here


def test_an_unset_platform_env_is_not_local(monkeypatch):
    monkeypatch.delenv("PLATFORM_ENV", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(InsecureConfiguration):
        check_deployment_secrets(load_settings())


def test_every_service_class_checks_its_secrets_at_start():
    from services.budgets.service import BudgetsService
    from services.common.startup import SecretsCheck
    from services.gateway.service import GatewayService
    from services.investments.service import InvestmentsService
    from services.personnel.service import PersonnelService
    for cls in (BudgetsService, GatewayService, InvestmentsService, PersonnelService):
        assert any(isinstance(value, SecretsCheck) for value in vars_of(cls)), cls.__name__


def vars_of(cls):
    for klass in cls.__mro__:
        yield from vars(klass).values()


def test_the_check_refuses_the_container_setup(production):
    from services.common.startup import SecretsCheck
    production.setenv("JWT_SECRET", "")
    with pytest.raises(InsecureConfiguration):
        SecretsCheck().setup()


def test_the_gateway_checks_its_token_secret_at_start_even_locally(monkeypatch):
    from services.gateway.edge.http import Guard
    monkeypatch.setenv("PLATFORM_ENV", "local")
    monkeypatch.setenv("JWT_SECRET", "too-short")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Guard().setup()
