"""The hub's tunables from the environment."""
import pytest

from services.gateway.hub.settings import check_interval_seconds, load_hub_settings


def test_defaults(monkeypatch):
    for name in ("HUB_STALL_DAYS", "HUB_FIRST_REPORTING_YEAR", "HUB_CHECK_INTERVAL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    config = load_hub_settings()
    assert (config.stall_days, config.first_reporting_year) == (180, 2025)
    assert check_interval_seconds() == 3600


def test_overrides(monkeypatch):
    monkeypatch.setenv("HUB_STALL_DAYS", "90")
    monkeypatch.setenv("HUB_FIRST_REPORTING_YEAR", "2026")
    monkeypatch.setenv("HUB_CHECK_INTERVAL_SECONDS", "0.5")
    config = load_hub_settings()
    assert (config.stall_days, config.first_reporting_year) == (90, 2026)
    assert check_interval_seconds() == 0.5


@pytest.mark.parametrize("name,value", [("HUB_STALL_DAYS", "0"), ("HUB_STALL_DAYS", "soon"),
                                        ("HUB_CHECK_INTERVAL_SECONDS", "-1")])
def test_nonsense_is_refused_at_start(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        load_hub_settings()
        check_interval_seconds()
