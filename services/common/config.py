"""Configuration from the environment, with defaults that serve the local stack.

Every variable is listed in README.md ("Configuration"). Nothing else in the code reads os.environ
for settings, so this module is the single inventory of what an operator can change.
"""
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

SERVICES = ("investments", "budgets", "personnel", "gateway")

# Replica r of a service serves on its base + 100 * (r - 1) (PLATFORM_REPLICA, see metrics_port).
DEFAULT_METRICS_PORTS = {"gateway": 9100, "investments": 9101, "budgets": 9102, "personnel": 9103}
REPLICA_PORT_STRIDE = 100


# Only explicit local development (``PLATFORM_ENV=local``, which `make run/up/test` set) may run on
# the development token secret and the broker's guest account; anything else is a deployment.
LOCAL_ENV = "local"
LOCAL_JWT_SECRET = "local-development-secret-change-me"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2, as services.gateway.access.auth.check_token_secret
MIN_SECRET_DISTINCT_CHARACTERS = 8  # "aaaa...a" is long but guessable
# Passwords that ship as defaults somewhere (RabbitMQ, Grafana, our own compose file before).
DEFAULT_PASSWORDS = frozenset({"", "guest", "platform", "admin", "password", "changeme",
                               "change-me", "secret", "rabbitmq", "grafana", "123456"})


class InsecureConfiguration(RuntimeError):
    """A deployment configured with a secret anybody knows: the service refuses to start."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def seconds_setting(name: str, default: float, low: float, high: float, environ=None) -> float:
    """A number of seconds from the environment variable ``name`` (unset or empty: ``default``),
    refused with a ``ValueError`` naming the variable when it is not a number within
    ``low..high``; read where a component starts, so a bad value stops the start."""
    raw = (os.environ if environ is None else environ).get(name) or str(default)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be within {low:g}..{high:g} seconds")
    return value


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    rabbit_api_uri: str
    mongo_uri: str
    mongo_db_prefix: str
    mongo_timeout_ms: int
    gateway_host: str
    gateway_port: int
    metrics_host: str
    jwt_secret: str
    jwt_issuer: str
    jwt_audience: str
    rpc_timeout_seconds: float
    outbox_sweep_seconds: float
    handler_max_attempts: int
    handler_retry_delays: tuple[float, ...]
    fault_hook: str  # only tests set this; see services.common.faults
    queue_type: str  # "" (classic) or "quorum"
    rate_limit_per_second: float
    rate_limit_burst: int
    hub_stall_days: int
    hub_first_reporting_year: int
    hub_check_interval_seconds: float
    rotation_due_scan_seconds: float
    personnel_reconcile_seconds: float
    personnel_utc_offset_hours: float
    civil_utc_offset_hours: float  # the platform's civil calendar (services.common.clock)
    replica: int  # 1-based number of this process among its service's replicas
    platform_env: str = LOCAL_ENV
    # per client address, before authentication (services.gateway.edge)
    address_rate_per_second: float = 50.0
    address_rate_burst: int = 200
    health_cache_seconds: float = 2.0  # /health answers from a probe at most this old
    import_max_bytes: int = 64 * 1024 * 1024  # the text of one budgets import, in all
    import_max_open_per_credential: int = 4  # chunked imports open at once (gateway process)

    @property
    def is_local(self) -> bool:
        return self.platform_env == LOCAL_ENV
    metrics_probe_seconds: float = 15.0

    def database_name(self, service: str) -> str:
        return f"{self.mongo_db_prefix}_{service}"

    def metrics_port(self, service: str) -> int:
        base = _int(f"{service.upper()}_METRICS_PORT", DEFAULT_METRICS_PORTS.get(service, 0))
        return base + REPLICA_PORT_STRIDE * (self.replica - 1) if base > 0 else base


def is_local_environment() -> bool:
    """``PLATFORM_ENV=local``, read from the environment alone: for checks made on every request,
    where parsing every setting (``load_settings``) cost a twentieth of a service's CPU."""
    return _env("PLATFORM_ENV", "production") == LOCAL_ENV


def load_settings() -> Settings:
    platform_env = _env("PLATFORM_ENV", "production")
    return Settings(
        platform_env=platform_env,
        amqp_uri=_env("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/"),
        rabbit_api_uri=_env("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672"),
        mongo_uri=_env("MONGO_URI", "mongodb://127.0.0.1:27017/"),
        mongo_db_prefix=_env("MONGO_DB_PREFIX", "regional"),
        mongo_timeout_ms=_int("MONGO_TIMEOUT_MS", 3000),
        gateway_host=_env("GATEWAY_HOST", "127.0.0.1"),
        gateway_port=_int("GATEWAY_PORT", 8000),
        metrics_host=_env("METRICS_HOST", "127.0.0.1"),
        jwt_secret=_env("JWT_SECRET", LOCAL_JWT_SECRET if platform_env == LOCAL_ENV else ""),
        jwt_issuer=_env("JWT_ISSUER", "regional-platform"),
        jwt_audience=_env("JWT_AUDIENCE", "regional-platform-api"),
        rpc_timeout_seconds=_float("RPC_TIMEOUT_SECONDS", 5.0),
        outbox_sweep_seconds=_float("OUTBOX_SWEEP_SECONDS", 2.0),
        handler_max_attempts=_int("HANDLER_MAX_ATTEMPTS", 5),
        handler_retry_delays=tuple(
            float(x) for x in _env("HANDLER_RETRY_DELAYS", "1,5,30").split(",")),
        fault_hook=_env("PLATFORM_FAULT_HOOK", ""),
        queue_type=_env("QUEUE_TYPE", ""),
        rate_limit_per_second=_float("RATE_LIMIT_PER_SECOND", 20.0),
        rate_limit_burst=_int("RATE_LIMIT_BURST", 60),
        hub_stall_days=_int("HUB_STALL_DAYS", 180),
        hub_first_reporting_year=_int("HUB_FIRST_REPORTING_YEAR", 2025),
        hub_check_interval_seconds=_float("HUB_CHECK_INTERVAL_SECONDS", 3600.0),
        rotation_due_scan_seconds=_float("ROTATION_DUE_SCAN_SECONDS", 3600.0),
        personnel_reconcile_seconds=_float("PERSONNEL_RECONCILE_SECONDS", 30.0),
        personnel_utc_offset_hours=_float("PERSONNEL_UTC_OFFSET_HOURS", 5.0),
        civil_utc_offset_hours=_float("CIVIL_UTC_OFFSET_HOURS",
                                      _float("PERSONNEL_UTC_OFFSET_HOURS", 5.0)),
        metrics_probe_seconds=_float("METRICS_PROBE_SECONDS", 15.0),
        replica=max(1, _int("PLATFORM_REPLICA", 1)),
        # An address carries several credentials (an office behind one NAT), so by default it
        # gets five times one credential's budget, and at least 50/s with a burst of 200.
        address_rate_per_second=_float(
            "RATE_LIMIT_PER_ADDRESS_PER_SECOND",
            max(50.0, 5 * _float("RATE_LIMIT_PER_SECOND", 20.0))),
        address_rate_burst=_int("RATE_LIMIT_PER_ADDRESS_BURST",
                                max(200, 5 * _int("RATE_LIMIT_BURST", 60))),
        health_cache_seconds=_float("HEALTH_CACHE_SECONDS", 2.0),
        import_max_bytes=_int("IMPORT_MAX_BYTES", 64 * 1024 * 1024),
        import_max_open_per_credential=_int("IMPORT_MAX_OPEN_PER_CREDENTIAL", 4),
    )


def _token_secret_problem(secret: str) -> str | None:
    if not secret:
        return "JWT_SECRET is not set"
    if secret == LOCAL_JWT_SECRET or "change" in secret.lower():
        return "JWT_SECRET is a published default value"
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS:
        return "JWT_SECRET is too regular to be random"
    return None


def _uri_password_problem(variable: str, uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
        user, password = parts.username, parts.password
    except ValueError:
        return f"{variable} is not a valid URI"
    if user is None or password is None:
        return f"{variable} names no user and password"
    if user == "guest" or password.lower() in DEFAULT_PASSWORDS:
        return f"{variable} uses a default broker account or password"
    return None


def secret_problems(settings: Settings, environ=None) -> list[str]:
    """Why this configuration must not start outside local development (empty: it may).

    The messages name the variable, never its value."""
    if settings.is_local:
        return []
    environ = os.environ if environ is None else environ
    problems = [_token_secret_problem(settings.jwt_secret),
                _uri_password_problem("AMQP_URI", settings.amqp_uri),
                _uri_password_problem("RABBIT_API_URI", settings.rabbit_api_uri)]
    grafana = environ.get("GRAFANA_ADMIN_PASSWORD")
    if grafana is not None and grafana.lower() in DEFAULT_PASSWORDS:
        problems.append("GRAFANA_ADMIN_PASSWORD is a default password")
    return [problem for problem in problems if problem]


def check_deployment_secrets(settings: Settings | None = None) -> None:
    """Raise ``InsecureConfiguration`` listing every problem of ``secret_problems``."""
    problems = secret_problems(settings or load_settings())
    if problems:
        raise InsecureConfiguration(
            "refusing to start outside PLATFORM_ENV=local: " + "; ".join(problems))
