"""Settings of the budgets rules that no law fixes, with why they have their value: the
rationale is part of the published contract so the hub can list it beside the value it shows
(GET /api/v1/hub/assumptions); the values are ``domain/settings.py``'s."""

ASSUMED_SETTINGS = {
    "years_after_commissioning": (
        "A commissioned project adds its expected local revenue from the year after "
        "commissioning: taxes on a year's activity are paid and booked in the following year."),
    "min_own_revenue_share": (
        "A signal only: half of the revenue from own sources. Nearly every subsidised region is "
        "below it every year, so the hub judges a region against its dependency trajectory "
        "(50.7% in 2026 to 33% in 2028, the 2026-2028 republican budget law) instead."),
}
