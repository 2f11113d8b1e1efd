"""The hub's tunables from the environment (defaults serve the Concept's rules).

    HUB_STALL_DAYS               days in one pipeline stage before a project counts as stalled (180)
    HUB_FIRST_REPORTING_YEAR     first reporting year the calendar tracks (2025)
    HUB_CHECK_INTERVAL_SECONDS   how often the deadline checks run (3600)
"""
import os

from services.gateway.hub_rules import DEFAULT_CONFIG, HubConfig


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def load_hub_config() -> HubConfig:
    return DEFAULT_CONFIG.with_overrides(
        stall_days=_int("HUB_STALL_DAYS", DEFAULT_CONFIG.stall_days),
        first_reporting_year=_int("HUB_FIRST_REPORTING_YEAR", DEFAULT_CONFIG.first_reporting_year))


def check_interval_seconds() -> float:
    value = os.environ.get("HUB_CHECK_INTERVAL_SECONDS")
    seconds = 3600.0 if value in (None, "") else float(value)
    if seconds <= 0:
        raise ValueError("HUB_CHECK_INTERVAL_SECONDS must be positive")
    return seconds
