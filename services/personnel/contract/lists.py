"""Closed lists of the personnel service that its callers and its event consumers rely on.

The rules (``domain``) import them from here, so a value the RPC schemas or the event schemas
accept is one the rules know, and the gateway reads the same lists without importing the rules.
"""
CORPS = ("A", "B")
ORG_KINDS = ("central", "regional", "district")
POSITION_STATUSES = ("vacant", "occupied", "reserved", "being_vacated")
SERVANT_STATUSES = ("active", "seconded", "on_leave", "retired", "dismissed")
# what an update may set; ``seconded`` is entered and left only through a rotation
UPDATABLE_SERVANT_STATUSES = ("active", "on_leave", "retired", "dismissed")

DIRECTIONS = ("region_to_centre", "centre_to_region", "region_to_region")
ROTATION_STATUSES = ("requested", "partially_approved", "approved", "started", "returning",
                     "completed", "rejected", "cancelled")
APPROVAL_SIDES = ("sending", "receiving")
INCENTIVE_KINDS = ("housing_compensation", "relocation_allowance", "other")
# The schema's bound on an incentive's period; the rules' bound is
# ``PersonnelSettings.max_incentive_period_months``, whose default is this value.
MAX_INCENTIVE_PERIOD_MONTHS = 36

HEAD_OF_BODY = "head_of_body"
AGENCY = "agency"
EXTENSION_AUTHORITIES = (HEAD_OF_BODY, AGENCY)

# changes of a state body announced by the civil service agency (inbound ``organisation_changed``)
ORGANISATION_CHANGES = ("created", "renamed", "closed")
