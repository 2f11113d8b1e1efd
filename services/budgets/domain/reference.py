"""Population reference used for per-resident indicators (re-exported from
:mod:`services.common.population`, where the tables per 1 January live with their sources)."""
from services.common.population import (  # noqa: F401
    DATA_DIR,
    PopulationRegister,
    PopulationTable,
    default_register,
    load_population,
    load_register,
    population_for_year,
)

DATA_FILE = DATA_DIR / "population_2025-01-01.json"


def default_population() -> PopulationTable:
    """The table at 1 January 2025 (callers that need one year's table use
    :func:`population_for_year`)."""
    return population_for_year(2025)
