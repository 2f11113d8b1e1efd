"""Settings of the investment rules that no law read by the platform fixes, with why they have
their value: part of the published contract so the hub can list them (GET
/api/v1/hub/assumptions); the values are ``domain/settings.py``'s."""

ASSUMED_SETTINGS = {
    "priority_threshold_mci_by_type": (
        "Investment-priority thresholds as the platform's domain notes summarise the "
        "investment-priority rules (new production 2,000,000 MCI, expansion 5,000,000 MCI); "
        "check against the current Government resolution before use."),
    "priority_threshold_mci_by_sector": (
        "Lower thresholds for food and light industry (1,000,000 MCI) and tourism (200,000 MCI), "
        "from the same summary; a sector threshold replaces the type's."),
}
