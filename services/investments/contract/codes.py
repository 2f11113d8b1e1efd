"""Closed lists of the investment pipeline: sectors, project types, stages, currencies, financing
sources, ISO 3166-1 countries. Codes are what is stored and exchanged; labels are for people.

Part of the contract: the RPC and event schemas validate against these lists, and other services
name the same codes. The rules that group them (open and closed stages) are in
``services.investments.domain.reference``.
"""

# Sectors named by the Concept's "economic potential of regions" section: deep processing in
# oil & gas, mining and agriculture; food and light industry (its own priority threshold);
# manufacturing with localisation; transport and logistics hubs; regional tourism; the SME belt
# around large enterprises; plus energy and social infrastructure, which regional pipelines carry
# alongside them.
SECTORS: dict[str, str] = {
    "oil_gas_processing": "Deep processing of oil and gas",
    "mining_metallurgy": "Mining and metallurgy",
    "agro_processing": "Agro-industrial processing",
    "food_light_industry": "Food and light industry",
    "manufacturing": "Manufacturing with localisation",
    "transport_logistics": "Transport and logistics hubs",
    "tourism": "Regional tourism",
    "sme_belt": "SME belt around large enterprises",
    "energy": "Energy",
    "social_infrastructure": "Social infrastructure",
}

PROJECT_TYPES: dict[str, str] = {
    "new_production": "New production",
    "expansion": "Expansion of existing production",
    "modernisation": "Modernisation",
    "single_industry_town_anchor": "Anchor project of a single-industry town",
    "infrastructure": "Infrastructure",
}

# World Bank public investment management (PIM) pipeline, plus two interruption stages.
STAGE_SEQUENCE: tuple[str, ...] = (
    "proposed", "appraised", "approved", "financed", "under_implementation", "commissioned",
    "evaluated",
)
SUSPENDED = "suspended"
CANCELLED = "cancelled"
COMMISSIONED = "commissioned"
EVALUATED = "evaluated"
STAGES: tuple[str, ...] = STAGE_SEQUENCE + (SUSPENDED, CANCELLED)
CURRENCIES: tuple[str, ...] = ("KZT", "USD")

FINANCING_SOURCES: dict[str, str] = {
    "own_funds": "Investor's own funds",
    "bank_loan": "Commercial bank loan",
    "development_institution": "Development institution loan or equity",
    "foreign_direct_investment": "Foreign direct investment",
    "republican_budget": "Republican budget",
    "local_budget": "Local budget",
    "public_private_partnership": "Public-private partnership",
    "grant": "Grant",
    "other": "Other",
}

# ISO 3166-1 alpha-2, officially assigned codes.
COUNTRY_CODES: frozenset[str] = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
""".split())

# The actual dates a stage change may carry, and the moves that may carry them.
DATE_TARGETS: dict[str, tuple[str, ...]] = {"actual_start": ("under_implementation", COMMISSIONED),
                                            "actual_commissioning": (COMMISSIONED,)}

# The fields a project list may be sorted by (``sort=-cost_kzt,title``); ``id`` breaks ties.
SORT_FIELDS = ("created_at", "updated_at", "stage_entered_at", "cost_kzt", "jobs_planned",
               "jobs_created", "invested_to_date_kzt", "planned_start", "planned_commissioning",
               "title", "external_ref", "region_code", "stage", "id")
