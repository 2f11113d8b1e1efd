"""The hub's tunables from the environment (defaults serve the Concept's rules).

    HUB_STALL_DAYS               days in one pipeline stage before a project counts as stalled (180)
    HUB_FIRST_REPORTING_YEAR     first reporting year the calendar tracks (2025)
    HUB_CHECK_INTERVAL_SECONDS   how often the deadline checks run (3600)
"""
from services.common.config import load_settings
from services.gateway.hub.rules import DEFAULT_CONFIG, HubConfig


def load_hub_config() -> HubConfig:
    settings = load_settings()
    return DEFAULT_CONFIG.with_overrides(stall_days=settings.hub_stall_days,
                                         first_reporting_year=settings.hub_first_reporting_year)


def check_interval_seconds() -> float:
    seconds = load_settings().hub_check_interval_seconds
    if seconds <= 0:
        raise ValueError("HUB_CHECK_INTERVAL_SECONDS must be positive")
    return seconds
