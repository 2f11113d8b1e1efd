"""Closed lists of the budgets contract: what a revenue line may say, for the service and for
its callers alike (plain Python, so the domain rules read the same lists)."""

BUDGET_LEVELS = ("oblast", "city_republican", "district", "rural_district")
PHASES = ("planned", "approved", "executed")

MONTH_CODES = tuple(f"M{m:02d}" for m in range(1, 13))
QUARTER_CODES = ("Q1", "Q2", "Q3", "Q4")
YEAR_CODE = "Y"
PERIOD_CODES = MONTH_CODES + QUARTER_CODES + (YEAR_CODE,)

# The fiscal years the platform accepts (FY2020, the first digitised year, to the 2035 horizon).
FIRST_FISCAL_YEAR = 2020
LAST_FISCAL_YEAR = 2035

IMPORT_FORMATS = ("csv", "ofdp")
IMPORT_MODES = ("partial", "all_or_nothing")

# The columns of a revenue CSV import, in this order (extra columns are ignored).
CSV_HEADER = ("region_code", "budget_level", "district", "fiscal_year", "period", "ebk_code",
              "phase", "amount_kzt")
