"""The revenue forecast of a region: its baseline per year, widened by commissioned investment
projects and narrowed again when one is cancelled (the reactions to investments' events)."""
from services.budgets.application.fiscal import checked_region
from services.budgets.domain.forecast import (
    apply_commissioned_project,
    forecast_as_output,
    reverse_cancelled_project,
    set_base_forecast,
)
from services.common.errors import DuplicateKey, StaleVersion

MAX_WRITE_ATTEMPTS = 5


class Forecasts:
    """Built per call from the service's forecast repository."""

    def __init__(self, forecasts):
        self.forecasts = forecasts

    def forecast(self, region_code) -> dict:
        doc, _ = self.forecasts.load(checked_region(region_code))
        return forecast_as_output(doc, region_code)

    def set_base(self, region_code, year, amount_kzt) -> dict:
        """Set the baseline local revenue forecast of one year (e.g. from the budget law)."""
        checked_region(region_code)
        doc = self.change(
            region_code, lambda current: set_base_forecast(current, region_code, year, amount_kzt))
        return forecast_as_output(doc, region_code)

    def project_commissioned(self, envelope: dict) -> None:
        """A commissioned project widens its region's tax base (once per project)."""
        self.change(envelope["payload"]["region_code"],
                     lambda current: apply_commissioned_project(current, envelope))

    def project_cancelled(self, envelope: dict) -> None:
        """A cancelled project's contribution is taken out again (and it stays out)."""
        self.change(envelope["payload"]["region_code"],
                     lambda current: reverse_cancelled_project(current, envelope))

    def change(self, region_code, change):
        """Apply ``change`` (a domain command) to the stored forecast; versioned, retried."""
        for attempt in range(MAX_WRITE_ATTEMPTS):
            current, version = self.forecasts.load(region_code)
            new, facts = change(current)
            if new == current:
                return current
            try:
                self.forecasts.store(new, version, facts)
                return new
            except (StaleVersion, DuplicateKey):
                if attempt == MAX_WRITE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
