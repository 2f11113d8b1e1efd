"""Civil servants and "region–centre–region" rotations over HTTP: /api/v1/personnel/...

Reach: an HR officer scoped to a region sees and acts on the servants whose home region is theirs
and on the rotations that leave or enter it (``policy.authorize_rotation``); an unscoped HR
officer and the admin reach every region, the ministry analyst reads everything. The structure
of the civil service (bodies and posts, not personal data) is readable by every personnel reader;
creating a body or a post is a write in its region (a central body: national roles only).

The personnel service answers with the full IIN; ``policy.redact`` here is the one place that
masks it, and ``iin_masked`` says whether it did.
"""
from marshmallow import Schema, fields, validate

from services.common import clock
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.common.regions import is_region
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json
from services.personnel.contract import APPROVAL_SIDES
from services.personnel.contract import (
    CivilServantCreateSchema, CivilServantSchema, CivilServantUpdateSchema, DueQuerySchema,
    DueRotationSchema, IncentiveSchema, MandatoryRotationExtensionSchema, MobilityFiguresSchema,
    OrganisationCreateSchema, OrganisationQuerySchema, OrganisationSchema, PositionQuerySchema,
    PositionSchema, ReserveReturnPostSchema, RotationCancelSchema, RotationCompleteSchema,
    RotationExtendSchema, RotationQuerySchema, RotationRejectSchema, RotationRequestSchema,
    RotationReturnSchema, RotationSchema, RotationStartSchema, ServantQuerySchema,
    StatisticsQuerySchema)

PREFIX = "/api/v1/personnel"
RESOURCE = "personnel"
APPROVAL_ENDS = (("sending", "from_region"), ("receiving", "to_region"))
TAGS = ("personnel",)

# Extra answers of the OpenAPI document, shared by the routes.
BAD_INPUT = "invalid input; details name each bad field (IIN check digit, dates out of order...)"
UNKNOWN_REF = "unknown organisation / position / servant named in the body, or other bad input"
FORBIDDEN = "the caller's role or region does not allow this"
RULE = "a rule refused it; details.rule names it (e.g. open_rotation_exists, double_approval)"
RACE = "changed meanwhile (stale_version) or a rule refused it (details.rule)"


# ---- shapes of bodies and answers (for the OpenAPI document) ----------------------------------

def _page(item_schema) -> type[Schema]:
    return type(f"{item_schema.__name__.removesuffix('Schema')}Page", (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Int(required=True), "page": fields.Int(), "page_size": fields.Int()})


OrganisationPage, PositionPage = _page(OrganisationSchema), _page(PositionSchema)
RotationPage = _page(RotationSchema)


class ServantOut(CivilServantSchema):
    """A civil servant. For roles not entitled to the IIN it is all asterisks, ``sex`` and
    ``date_of_birth`` are left out and ``birth_year`` is given instead."""


ServantPage = _page(ServantOut)


class DuePage(_page(DueRotationSchema)):
    today = fields.Date()


class PositionInOrganisation(Schema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    corps = fields.Str(required=True)
    category = fields.Str(required=True, metadata={"example": "D-3"})


class ApprovalBody(Schema):
    side = fields.Str(validate=validate.OneOf(APPROVAL_SIDES), metadata={
        "description": "derived from the officer's region (sending = the region left, receiving "
                       "= the region entered); required for a principal without a region"})
    comment = fields.Str(allow_none=True)


class ScanBody(Schema):
    today = fields.Date(metadata={"description": "the day to scan for (default: today)"})


class ScanReport(Schema):
    today = fields.Date()
    due = fields.Int()
    published = fields.Int()
    raced = fields.Int()
    busy = fields.Int()


class MobilityStatistics(Schema):
    today = fields.Date()
    year = fields.Int(allow_none=True)
    regions = fields.Dict(keys=fields.Str(), values=fields.Nested(MobilityFiguresSchema))
    national = fields.Nested(MobilityFiguresSchema, allow_none=True, metadata={
        "description": "national totals; null for a caller scoped to one region"})


class RegionMobility(MobilityFiguresSchema):
    region_code = fields.Str()
    today = fields.Date()
    year = fields.Int(allow_none=True)


def approval_side(principal, rotation: dict, asked) -> str:
    """The side an approval counts for: the officer's region decides it (sending = the region the
    rotation leaves, receiving = the one it enters). A principal without a region (unscoped HR
    officer, admin, the central bodies' HR) names the side in the body."""
    if principal.region is None:
        if asked not in ("sending", "receiving"):
            raise ValidationFailed("name the side you approve for", {
                "side": ["required without a region: 'sending' or 'receiving'"]})
        return asked
    own = [side for side, end in APPROVAL_ENDS if rotation.get(end) == principal.region]
    if not own:
        policy.authorize_rotation(principal, "approve", rotation)  # raises Forbidden
    if asked is not None and asked not in own:
        raise Forbidden(f"an HR officer of {principal.region} approves for the {own[0]} side only", {
            "role": principal.role, "resource": RESOURCE, "action": "approve",
            "region": principal.region, "side": asked})
    return own[0]


def _args(request) -> dict:
    return request.args.to_dict(flat=True)


def _optional_json(request) -> dict:
    return read_json(request) if request.get_data(cache=True) else {}


def _scope(regions) -> list[str] | None:
    return None if regions is None else sorted(regions)


def _known(call, field: str, what: str):
    """A referenced document named in a body: unknown is bad input (400), not a missing page."""
    try:
        return call()
    except NotFound:
        raise ValidationFailed(f"unknown {what}", {field: [f"unknown {what}"]}) from None


def _text(body: dict, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise ValidationFailed("invalid request body", {field: ["required"]})
    return value


class PersonnelRoutes(GatewayBase):

    # -- shaping -------------------------------------------------------------------------------
    def _personnel_view(self, principal, body):
        return policy.redact(principal, RESOURCE, body)

    def _servant_view(self, request, servant: dict) -> dict:
        """The servant as ``request.principal`` may see it; a full IIN shown is noted on the
        request (``revealed_iins``), so that the read is audited (``http.ApiRoute``)."""
        principal = request.principal
        masked = "iin" in policy.redacted_fields(principal, RESOURCE)
        if not masked and servant.get("iin"):
            if not hasattr(request, "revealed_iins"):
                request.revealed_iins = []
            request.revealed_iins.append(servant.get("servant_id"))
        return {**policy.redact(principal, RESOURCE, servant), "iin_masked": masked}

    def _servant_for(self, principal, servant_id: str, action: str) -> dict:
        servant = self.personnel.get_civil_servant(servant_id)
        if not policy.can(principal, RESOURCE, "read", servant["home_region"]):
            raise _absent("civil servant", "servant_id", servant_id)  # as if it did not exist
        policy.authorize(principal, RESOURCE, action, servant["home_region"])
        return servant

    def _rotation_for(self, principal, rotation_id: str, action: str) -> dict:
        rotation = self.personnel.get_rotation(rotation_id)
        if not policy.can_act_on_rotation(principal, "read", rotation):
            raise _absent("rotation", "rotation_id", rotation_id)
        policy.authorize_rotation(principal, action, rotation)
        return rotation

    # -- organisations and posts ---------------------------------------------------------------
    @api("GET", f"{PREFIX}/organisations", permission=(RESOURCE, "read"),
         summary="List state bodies (central, regional, district)", query=OrganisationQuerySchema,
         response=OrganisationPage, tags=TAGS, responses={400: BAD_INPUT})
    def personnel_list_organisations(self, request):
        return self.personnel.list_organisations(_args(request))

    @api("POST", f"{PREFIX}/organisations", permission=(RESOURCE, "write"),
         summary="Create a state body (a central body: national roles only)",
         body=OrganisationCreateSchema, response=OrganisationSchema, tags=TAGS,
         responses={201: "created", 400: BAD_INPUT, 403: FORBIDDEN})
    def personnel_create_organisation(self, request):
        body = read_json(request)
        region = body.get("region_code")
        if region is not None and not (isinstance(region, str) and is_region(region)):
            raise ValidationFailed("invalid organisation", {"region_code": ["unknown region code"]})
        policy.authorize(request.principal, RESOURCE, "write", region)
        return 201, self.personnel.create_organisation(body, request.principal.subject)

    @api("GET", f"{PREFIX}/organisations/<string:org_id>", permission=(RESOURCE, "read"),
         summary="One state body", response=OrganisationSchema, tags=TAGS)
    def personnel_get_organisation(self, request, org_id):
        return self.personnel.get_organisation(org_id)

    @api("GET", f"{PREFIX}/organisations/<string:org_id>/positions", permission=(RESOURCE, "read"),
         summary="Posts of a state body", query=PositionQuerySchema, response=PositionPage,
         tags=TAGS)
    def personnel_list_organisation_positions(self, request, org_id):
        self.personnel.get_organisation(org_id)  # 404 for an unknown body, not an empty page
        return self.personnel.list_positions({**_args(request), "org_id": org_id})

    @api("POST", f"{PREFIX}/organisations/<string:org_id>/positions", permission=(RESOURCE, "write"),
         summary="Create a post in a state body (vacant)", body=PositionInOrganisation,
         response=PositionSchema, tags=TAGS,
         responses={201: "created", 403: FORBIDDEN,
                    409: "the body is closed (rule organisation_closed)"})
    def personnel_create_position(self, request, org_id):
        body = read_json(request)
        org = self.personnel.get_organisation(org_id)
        policy.authorize(request.principal, RESOURCE, "write", org["region_code"])
        return 201, self.personnel.create_position({**body, "org_id": org_id},
                                                   request.principal.subject)

    @api("GET", f"{PREFIX}/positions", permission=(RESOURCE, "read"),
         summary="List posts (by body, region, status, corps, category)",
         query=PositionQuerySchema, response=PositionPage, tags=TAGS)
    def personnel_list_positions(self, request):
        return self.personnel.list_positions(_args(request))

    @api("GET", f"{PREFIX}/positions/<string:position_id>", permission=(RESOURCE, "read"),
         summary="One post", response=PositionSchema, tags=TAGS)
    def personnel_get_position(self, request, position_id):
        return self.personnel.get_position(position_id)

    # -- civil servants ------------------------------------------------------------------------
    @api("GET", f"{PREFIX}/civil-servants", permission=(RESOURCE, "read"),
         summary="List civil servants (narrowed to the officer's home region)",
         query=ServantQuerySchema, response=ServantPage, tags=TAGS)
    def personnel_list_servants(self, request):
        regions = policy.region_filter(request.principal, RESOURCE, "read")
        page = self.personnel.list_civil_servants(_args(request), _scope(regions))
        page["items"] = [self._servant_view(request, s) for s in page["items"]]
        return page

    @api("POST", f"{PREFIX}/civil-servants", permission=(RESOURCE, "write"),
         summary="Register a civil servant in a vacant post", body=CivilServantCreateSchema,
         response=ServantOut, tags=TAGS,
         responses={201: "registered", 400: UNKNOWN_REF, 403: FORBIDDEN,
                    409: "IIN already registered (duplicate) or the post is taken"})
    def personnel_register_servant(self, request):
        body = read_json(request)
        post = _known(lambda: self.personnel.get_position(_text(body, "position_id")),
                      "position_id", "position")
        home = body.get("home_region") or post["region_code"]
        if home is not None and not (isinstance(home, str) and is_region(home)):
            raise ValidationFailed("invalid civil servant", {"home_region": ["unknown region code"]})
        policy.authorize(request.principal, RESOURCE, "write", home)
        # the post is staffed too: an officer of one region does not fill another region's posts
        policy.authorize(request.principal, RESOURCE, "write", post["region_code"])
        servant = self.personnel.register_civil_servant(body, request.principal.subject)
        return 201, self._servant_view(request, servant)

    @api("GET", f"{PREFIX}/civil-servants/<string:servant_id>", permission=(RESOURCE, "read"),
         summary="One civil servant", response=ServantOut, tags=TAGS, responses={403: FORBIDDEN})
    def personnel_get_servant(self, request, servant_id):
        return self._servant_view(request,
                                  self._servant_for(request.principal, servant_id, "read"))

    @api("PATCH", f"{PREFIX}/civil-servants/<string:servant_id>", permission=(RESOURCE, "write"),
         summary="Change name, home region or status of a civil servant",
         body=CivilServantUpdateSchema, response=ServantOut, tags=TAGS,
         responses={403: FORBIDDEN, 409: RACE})
    def personnel_update_servant(self, request, servant_id):
        body = read_json(request)
        self._servant_for(request.principal, servant_id, "write")
        if "home_region" in body:  # moving someone's home is a write in the new region too
            policy.authorize(request.principal, RESOURCE, "write", body["home_region"])
        servant = self.personnel.update_civil_servant(servant_id, body, request.principal.subject)
        return self._servant_view(request, servant)

    @api("POST", f"{PREFIX}/civil-servants/<string:servant_id>/term-extensions",
         permission=(RESOURCE, "write"),
         summary="Record an extension of the mandatory rotation term (head: 6 years, agency: 8)",
         body=MandatoryRotationExtensionSchema, response=ServantOut, tags=TAGS,
         responses={403: FORBIDDEN, 409: "beyond the authority's limit (rule term_limit)"})
    def personnel_extend_servant_term(self, request, servant_id):
        body = read_json(request)
        self._servant_for(request.principal, servant_id, "write")
        servant = self.personnel.extend_mandatory_term(servant_id, body, request.principal.subject)
        return self._servant_view(request, servant)

    # -- rotations -----------------------------------------------------------------------------
    @api("GET", f"{PREFIX}/rotations", permission=(RESOURCE, "read"),
         summary="List rotations (a region matches rotations leaving or entering it)",
         query=RotationQuerySchema, response=RotationPage, tags=TAGS)
    def personnel_list_rotations(self, request):
        regions = policy.rotation_region_filter(request.principal)
        return self._personnel_view(request.principal,
                                    self.personnel.list_rotations(_args(request), _scope(regions)))

    @api("POST", f"{PREFIX}/rotations", permission=(RESOURCE, "write"),
         summary="Request a rotation (secondment to the centre, posting to a region)",
         body=RotationRequestSchema, response=RotationSchema, tags=TAGS,
         responses={201: "requested", 400: UNKNOWN_REF, 403: FORBIDDEN, 409: RULE})
    def personnel_request_rotation(self, request):
        body = read_json(request)
        servant = _known(lambda: self.personnel.get_civil_servant(_text(body, "servant_id")),
                         "servant_id", "civil servant")
        target = _known(lambda: self.personnel.get_position(_text(body, "target_position_id")),
                        "target_position_id", "position")
        policy.authorize_rotation(request.principal, "write", {
            "from_region": servant.get("post_region"), "to_region": target["region_code"]})
        rotation = self.personnel.request_rotation(body, request.principal.subject)
        return 201, self._personnel_view(request.principal, rotation)

    @api("GET", f"{PREFIX}/rotations/<string:rotation_id>", permission=(RESOURCE, "read"),
         summary="One rotation with its approvals and history", response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN})
    def personnel_get_rotation(self, request, rotation_id):
        return self._personnel_view(request.principal,
                                    self._rotation_for(request.principal, rotation_id, "read"))

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/approve", permission=(RESOURCE, "approve"),
         summary="Approve for the sending or receiving side (two different officers needed)",
         body=ApprovalBody, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN, 409: RULE})
    def personnel_approve_rotation(self, request, rotation_id):
        body = read_json(request) if request.get_data(cache=True) else {}
        rotation = self._rotation_for(request.principal, rotation_id, "approve")
        side = approval_side(request.principal, rotation, body.get("side"))
        return self._personnel_view(request.principal, self.personnel.approve_rotation(
            rotation_id, {"side": side, "comment": body.get("comment")},
            request.principal.subject))

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/reject", permission=(RESOURCE, "approve"),
         summary="Reject a requested rotation", body=RotationRejectSchema, response=RotationSchema,
         tags=TAGS, responses={403: FORBIDDEN, 409: RULE})
    def personnel_reject_rotation(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "approve", "reject_rotation")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/start", permission=(RESOURCE, "write"),
         summary="Start an approved rotation: the servant takes the target post",
         body=RotationStartSchema, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN, 409: RULE})
    def personnel_start_rotation(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "start_rotation")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/extend", permission=(RESOURCE, "write"),
         summary="Move the end of a started rotation (within the maximum term)",
         body=RotationExtendSchema, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN,
                    409: "beyond the term limit (rule secondment_term) or another rule"})
    def personnel_extend_rotation(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "extend_rotation")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/return", permission=(RESOURCE, "write"),
         summary="The secondment ends: the servant is leaving the target post",
         body=RotationReturnSchema, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN, 409: RULE})
    def personnel_return_from_rotation(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "return_from_rotation")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/complete", permission=(RESOURCE, "write"),
         summary="The servant takes the return post; the cycle is complete",
         body=RotationCompleteSchema, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN, 409: RULE})
    def personnel_complete_rotation(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "complete_rotation")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/cancel", permission=(RESOURCE, "write"),
         summary="Withdraw a rotation that has not started", body=RotationCancelSchema,
         response=RotationSchema, tags=TAGS, responses={403: FORBIDDEN, 409: RULE})
    def personnel_cancel_rotation(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "cancel_rotation")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/incentives", permission=(RESOURCE, "write"),
         summary="Record an incentive (housing compensation, relocation allowance, other)",
         body=IncentiveSchema, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN, 409: RULE})
    def personnel_record_incentive(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "record_incentive")

    @api("POST", f"{PREFIX}/rotations/<string:rotation_id>/return-post",
         permission=(RESOURCE, "write"),
         summary="Reserve the guaranteed return post (named, or the best free one on the home side)",
         body=ReserveReturnPostSchema, response=RotationSchema, tags=TAGS,
         responses={403: FORBIDDEN, 409: RULE})
    def personnel_reserve_return_post(self, request, rotation_id):
        return self._rotation_action(request, rotation_id, "write", "reserve_return_post",
                                     body_required=False)

    def _rotation_action(self, request, rotation_id, action, method, body_required=True):
        body = read_json(request) if body_required else _optional_json(request)
        self._rotation_for(request.principal, rotation_id, action)
        answer = getattr(self.personnel, method)(rotation_id, body, request.principal.subject)
        return self._personnel_view(request.principal, answer)

    # -- mobility figures and mandatory rotation -----------------------------------------------
    @api("GET", f"{PREFIX}/statistics", permission=(RESOURCE, "read"),
         summary="Mobility figures per region and national totals", query=StatisticsQuerySchema,
         response=MobilityStatistics, tags=TAGS)
    def personnel_statistics(self, request):
        regions = policy.region_filter(request.principal, RESOURCE, "read")
        return self.personnel.mobility_statistics(_args(request), _scope(regions))

    @api("GET", f"{PREFIX}/statistics/regions/<string:code>", permission=(RESOURCE, "read"),
         summary="Mobility figures of one region (flows, cycles, average duration, due now)",
         query=StatisticsQuerySchema, response=RegionMobility, tags=TAGS,
         responses={403: FORBIDDEN})
    def personnel_region_statistics(self, request, code):
        if not is_region(code):
            raise ValidationFailed("unknown region", {"code": ["unknown region code"]})
        policy.authorize(request.principal, RESOURCE, "read", code)
        answer = self.personnel.mobility_statistics({**_args(request), "region": code}, [code])
        return {"region_code": code, "today": answer["today"], "year": answer["year"],
                **answer["regions"][code]}

    @api("GET", f"{PREFIX}/due-rotations", permission=(RESOURCE, "read"),
         summary="Civil servants due for mandatory rotation", query=DueQuerySchema,
         response=DuePage, tags=TAGS)
    def personnel_due_rotations(self, request):
        regions = policy.region_filter(request.principal, RESOURCE, "read")
        return self.personnel.due_rotations(_args(request), _scope(regions))

    @api("POST", f"{PREFIX}/due-rotations/scan", permission=(RESOURCE, "write"),
         summary="Run the rotation-due scan now (publishes rotation_due once per case)",
         body=ScanBody, response=ScanReport, tags=TAGS,
         responses={403: "national action: unscoped roles only; another day: admins only"})
    def personnel_scan_due_rotations(self, request):
        body = _optional_json(request)
        policy.authorize(request.principal, RESOURCE, "write", None)  # national: unscoped only
        return self.personnel.scan_due_rotations(_scan_day(request.principal, body.get("today")))


def _scan_day(principal, requested):
    """The day a scan runs as of: today, or (admins only, as the hub's checks) another day, since
    a scan as of a future day publishes rotation_due facts ahead of time."""
    if requested is None:
        return None
    try:
        day = ScanBody().load({"today": requested})["today"]
    except Exception:
        raise ValidationFailed("invalid scan day", {"today": ["must be a date, YYYY-MM-DD"]})
    if day != clock.civil_today() and principal.role != policy.ADMIN:
        raise Forbidden("only an admin may run the scan as of another day",
                        {"role": principal.role, "today": day.isoformat()})
    return day.isoformat()


def _absent(what: str, key: str, value) -> NotFound:
    """The very answer the personnel service gives for an id it does not have, so that a caller
    without access cannot tell "exists in another region" from "does not exist"."""
    return NotFound(f"{what} not found", {key: value})
