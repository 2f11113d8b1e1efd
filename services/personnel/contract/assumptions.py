"""Rotation eligibility minimums no decree read by the platform fixes, with why they have their
value: part of the published contract so the hub can list them (GET /api/v1/hub/assumptions);
the values are ``domain/settings.py``'s. An eligibility refusal names the setting it rests on."""

ASSUMED_SETTINGS = {
    "min_months_in_post": "A year in the current post before a rotation, so a post is not left "
                          "before one full budget and reporting cycle.",
    "max_category_steps_up": "A rotation is not a promotion path: at most one ladder step above "
                             "the servant's own category.",
    "max_category_steps_down": "At most one step down, so the servant's experience is used.",
    "retirement_exemption_years": "No rotation within two years of retirement age: the posting "
                                  "(1-3 years) would outlast the service.",
    "allow_corps_change": "Corps A and corps B posts are filled by different procedures, so a "
                          "rotation stays within the servant's corps.",
    "min_term_months": "Secondments of at least a year (the domain notes' 1-3 years).",
    "max_term_months": "Secondments of at most three years (the domain notes' 1-3 years).",
}
