"""Rules the OpenAPI document cannot state, per operation: a request that keeps to the document
but breaks one of these is a 422 naming the field (edge/http.py ``ApiRoute.business_refusal``);
the document lists them in the operation's 422 answer.

Each table maps a detail key (a regular expression over the dotted field path the services name),
or a (key, reason) pair of regular expressions where the same field can also break the document,
to the rule. Only a refusal whose *every* reason is listed becomes a 422; anything else keeps its
own status (400 for a body the document already refuses).
"""

# investments/domain/projects.py check_consistency: rules between fields of one project
PROJECT = {
    ("financing_sources", "exceeds the project cost"):
        "the financing sources add up to at most the cost in KZT",
    (r"total_cost\.amount", "in KZT must not exceed"):
        "the cost in KZT (amount times the exchange rate) is at most 10^15",
    ("agglomeration", "not part of region"): "the agglomeration lies in the project's region",
    (r"srs_gaps\.\d+\.kato", "not a settlement of region"):
        "each SRS gap's settlement lies in the project's region",
    ("planned_commissioning", "must not be before"):
        "commissioning is not planned before the start",
}
# investments/domain/projects.py update: the same rules over the merged project, and the actual
# dates as the stored stage allows them
PROJECT_UPDATE = {
    **PROJECT,
    ("actual_start", "in the future"): "the actual start is not in the future",
    ("actual_commissioning", "commissioned|must not be"):
        "the actual commissioning is set by the move to commissioned, corrected only on a "
        "commissioned project, in order, not in the future",
}
# investments/domain/queries.py: a cost range is low to high
PROJECT_QUERY = {("min_cost_kzt", "must not exceed max_cost_kzt"):
                 "min_cost_kzt does not exceed max_cost_kzt"}
# budgets/domain/ebk.py: the classification edition is the fiscal year's
REVENUES = {
    (r"(lines\.\d+\.)?ebk_code", "^unknown|classification"):
        "the EBK code is a six-digit specifics code of the fiscal year's classification edition",
    (r"(lines\.\d+\.)?budget_level", "has no .* budget"):
        "the budget level is one the region has (a city of republican significance has no "
        "oblast budget)",
}
# budgets/domain/ofdp.py: an OFDP descriptor (a JSON object in the document) must be a package
# whose CSV resource and model carry the revenue fields
OFDP_DESCRIPTOR = {
    r"datapackage(\..+)?|resources(\..+)?|model(\..+)?": "an OFDP descriptor is a data package "
    "with a CSV resource and a model whose measures and dimensions are the revenue fields",
    # the descriptor is free-form JSON: OpenAPI 3.0 cannot constrain its keys
    "body": "no key of the descriptor holds U+0000 (the store cannot keep it)",
}
OFDP_ZIP = {
    **OFDP_DESCRIPTOR,
    "body": "the body is a zip holding datapackage.json and the CSV resource it names",
}
SETTLEMENT_REGISTER = {
    "header": "the CSV starts with the register's header (te, rus_name, ...)",
    "import_id": "the failed import, whose report names the problem",
}
# hub/action_plan.py IndicatorInSchema
INDICATOR = {("targets", "after the baseline"): "every target year comes after the baseline year"}
# personnel/domain/servants.py: what the IIN already says, and the service dates
CIVIL_SERVANT = {
    ("date_of_birth", "does not match IIN"): "the birth date agrees with the IIN",
    ("sex", "does not match IIN"): "the sex agrees with the IIN",
    ("post_start", "must not precede"): "the post start does not precede the service start",
    ("service_start", "at least"): "the servant is of service age at the service start",
    ("home_region", "required"): "a servant of a central post names a home region",
}
# budgets/domain/blocks.py: lines are named inside the block, a move goes between two of them
BLOCK_EXECUTION = {("line_id", "no line"): "the line is one of the block's lines"}
BLOCK_MOVE = {("from_line|to_line", "no line|must differ"): "both lines are the block's, and differ"}
# personnel: the post's category is in the register of its corps (the register is data); an
# extension runs past the current due date; a caller without a region names the side it approves
POSITION = {("category", "unknown category|corps"):
            "the category is in the civil-service register for the corps"}
TERM_EXTENSION = {("until", "later than"): "the extension ends later than the current due date"}
APPROVAL = {("side", "without a region"): "a caller without a region names the side it approves for"}
