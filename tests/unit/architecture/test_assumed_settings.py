"""Every assumed setting of the services is named with its rationale and exists in its
configuration (a renamed setting without its rationale fails here)."""
import dataclasses

import pytest

from services.budgets.domain.settings import ASSUMED_SETTINGS as BUDGETS
from services.budgets.domain.settings import ForecastSettings, IndicatorSettings
from services.investments.domain.settings import ASSUMED_SETTINGS as INVESTMENTS
from services.investments.domain.settings import InvestmentSettings
from services.personnel.domain.settings import ASSUMED_SETTINGS as PERSONNEL
from services.personnel.domain.settings import PersonnelSettings


@pytest.mark.parametrize("settings,configs", [(BUDGETS, (IndicatorSettings, ForecastSettings)),
                                              (INVESTMENTS, (InvestmentSettings,)),
                                              (PERSONNEL, (PersonnelSettings,))])
def test_every_assumed_setting_exists_and_says_why(settings, configs):
    names = {f.name for config in configs for f in dataclasses.fields(config)}
    assert settings and set(settings) <= names
    for name, rationale in settings.items():
        assert len(rationale) > 40, name


def test_the_rotation_minimums_and_priority_thresholds_are_among_them():
    assert {"min_months_in_post", "max_category_steps_up"} <= set(PERSONNEL)
    assert {"priority_threshold_mci_by_type", "priority_threshold_mci_by_sector"} == set(
        INVESTMENTS)
    assert "trajectory" in BUDGETS["min_own_revenue_share"]
