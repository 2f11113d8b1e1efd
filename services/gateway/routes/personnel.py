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
from services.common.pages import NUMBERED, page_schema
from services.common.regions import is_region
from services.gateway.access import policy
from services.gateway.edge.http import read_json
from services.personnel.contract import (
    APPROVAL_SIDES,
    CivilServantSchema,
    DueRotationSchema,
    MobilityFiguresSchema,
    OrganisationSchema,
    PositionSchema,
    RotationSchema,
)
from services.personnel.contract.lists import CORPS

PREFIX = "/api/v1/personnel"
RESOURCE = "personnel"
APPROVAL_ENDS = (("sending", "from_region"), ("receiving", "to_region"))
TAGS = ("personnel",)

# Extra answers of the OpenAPI document, shared by the routes.
BAD_INPUT = "invalid input; details name each bad field (IIN check digit, dates out of order...)"
UNKNOWN_REF = ("an organisation, position or servant the body names does not exist (or lies "
               "outside the caller's scope): details name the field")
FORBIDDEN = "the caller's role or region does not allow this"
RULE = "a rule refused it; details.rule names it (e.g. open_rotation_exists, double_approval)"
RACE = "changed meanwhile (stale_version) or a rule refused it (details.rule)"


# ---- shapes of bodies and answers (for the OpenAPI document) ----------------------------------

OrganisationPage = page_schema(OrganisationSchema, NUMBERED)
PositionPage = page_schema(PositionSchema, NUMBERED)
RotationPage = page_schema(RotationSchema, NUMBERED)


class ServantOut(CivilServantSchema):
    """A civil servant. For roles not entitled to the IIN it is all asterisks, ``sex`` and
    ``date_of_birth`` are left out and ``birth_year`` is given instead."""


ServantPage = page_schema(ServantOut, NUMBERED)


class DuePage(page_schema(DueRotationSchema, NUMBERED)):
    today = fields.Date()


class PositionInOrganisation(Schema):
    """PositionCreateSchema without org_id (the path's): the same rules, so the document's."""
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    corps = fields.Str(required=True, validate=validate.OneOf(CORPS))
    category = fields.Str(required=True, validate=validate.Regexp(r"^[A-Z](-[A-Z])?-\d{1,2}$"),
                          metadata={"example": "D-3"})


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
    """A referenced document named in a body: unknown is a 404 naming the field (the body is
    well formed, what it names is missing), not the service's answer for a missing page."""
    try:
        return call()
    except NotFound:
        raise NotFound(f"unknown {what}", {field: [f"unknown {what}"]}) from None


def _text(body: dict, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise ValidationFailed("invalid request body", {field: ["required"]})
    return value


# -- shaping -------------------------------------------------------------------------------
def _personnel_view(svc, principal, body):
    return policy.redact(principal, RESOURCE, body)


def _servant_view(svc, request, servant: dict) -> dict:
    """The servant as ``request.principal`` may see it; a full IIN shown is noted on the
    request (``revealed_iins``), so that the read is audited (``http.ApiRoute``)."""
    principal = request.principal
    masked = "iin" in policy.redacted_fields(principal, RESOURCE)
    if not masked and servant.get("iin"):
        if not hasattr(request, "revealed_iins"):
            request.revealed_iins = []
        request.revealed_iins.append(servant.get("servant_id"))
    return {**policy.redact(principal, RESOURCE, servant), "iin_masked": masked}


def _servant_for(svc, principal, servant_id: str, action: str) -> dict:
    servant = svc.personnel.get_civil_servant(servant_id)
    if not policy.can(principal, RESOURCE, "read", servant["home_region"]):
        raise _absent("civil servant", "servant_id", servant_id)  # as if it did not exist
    policy.authorize(principal, RESOURCE, action, servant["home_region"])
    return servant


def _rotation_for(svc, principal, rotation_id: str, action: str) -> dict:
    rotation = svc.personnel.get_rotation(rotation_id)
    if not policy.can_act_on_rotation(principal, "read", rotation):
        raise _absent("rotation", "rotation_id", rotation_id)
    policy.authorize_rotation(principal, action, rotation)
    return rotation


# -- organisations and posts ---------------------------------------------------------------
def personnel_list_organisations(svc, request):
    return svc.personnel.list_organisations(_args(request))


def personnel_create_organisation(svc, request):
    body = read_json(request)
    region = body.get("region_code")
    if region is not None and not (isinstance(region, str) and is_region(region)):
        raise ValidationFailed("invalid organisation", {"region_code": ["unknown region code"]})
    policy.authorize(request.principal, RESOURCE, "write", region)
    return 201, svc.personnel.create_organisation(body, request.principal.subject)


def personnel_get_organisation(svc, request, org_id):
    return svc.personnel.get_organisation(org_id)


def personnel_list_organisation_positions(svc, request, org_id):
    svc.personnel.get_organisation(org_id)  # 404 for an unknown body, not an empty page
    return svc.personnel.list_positions({**_args(request), "org_id": org_id})


def personnel_create_position(svc, request, org_id):
    body = read_json(request)
    org = svc.personnel.get_organisation(org_id)
    policy.authorize(request.principal, RESOURCE, "write", org["region_code"])
    return 201, svc.personnel.create_position({**body, "org_id": org_id},
                                               request.principal.subject)


def personnel_list_positions(svc, request):
    return svc.personnel.list_positions(_args(request))


def personnel_get_position(svc, request, position_id):
    return svc.personnel.get_position(position_id)


# -- civil servants ------------------------------------------------------------------------
def personnel_list_servants(svc, request):
    regions = policy.region_filter(request.principal, RESOURCE, "read")
    page = svc.personnel.list_civil_servants(_args(request), _scope(regions))
    page["items"] = [_servant_view(svc, request, s) for s in page["items"]]
    return page


def personnel_register_servant(svc, request):
    body = read_json(request)
    post = _known(lambda: svc.personnel.get_position(_text(body, "position_id")),
                  "position_id", "position")
    home = body.get("home_region") or post["region_code"]
    if home is not None and not (isinstance(home, str) and is_region(home)):
        raise ValidationFailed("invalid civil servant", {"home_region": ["unknown region code"]})
    policy.authorize(request.principal, RESOURCE, "write", home)
    # the post is staffed too: an officer of one region does not fill another region's posts
    policy.authorize(request.principal, RESOURCE, "write", post["region_code"])
    servant = svc.personnel.register_civil_servant(body, request.principal.subject)
    return 201, _servant_view(svc, request, servant)


def personnel_get_servant(svc, request, servant_id):
    return _servant_view(svc, request,
                              _servant_for(svc, request.principal, servant_id, "read"))


def personnel_update_servant(svc, request, servant_id):
    body = read_json(request)
    _servant_for(svc, request.principal, servant_id, "write")
    if "home_region" in body:  # moving someone's home is a write in the new region too
        policy.authorize(request.principal, RESOURCE, "write", body["home_region"])
    servant = svc.personnel.update_civil_servant(servant_id, body, request.principal.subject)
    return _servant_view(svc, request, servant)


def personnel_extend_servant_term(svc, request, servant_id):
    body = read_json(request)
    _servant_for(svc, request.principal, servant_id, "write")
    servant = svc.personnel.extend_mandatory_term(servant_id, body, request.principal.subject)
    return _servant_view(svc, request, servant)


# -- rotations -----------------------------------------------------------------------------
def personnel_list_rotations(svc, request):
    regions = policy.rotation_region_filter(request.principal)
    return _personnel_view(svc, request.principal,
                                svc.personnel.list_rotations(_args(request), _scope(regions)))


def personnel_request_rotation(svc, request):
    body = read_json(request)
    servant = _known(lambda: svc.personnel.get_civil_servant(_text(body, "servant_id")),
                     "servant_id", "civil servant")
    target = _known(lambda: svc.personnel.get_position(_text(body, "target_position_id")),
                    "target_position_id", "position")
    policy.authorize_rotation(request.principal, "write", {
        "from_region": servant.get("post_region"), "to_region": target["region_code"]})
    rotation = svc.personnel.request_rotation(body, request.principal.subject)
    return 201, _personnel_view(svc, request.principal, rotation)


def personnel_get_rotation(svc, request, rotation_id):
    return _personnel_view(svc, request.principal,
                                _rotation_for(svc, request.principal, rotation_id, "read"))


def personnel_approve_rotation(svc, request, rotation_id):
    body = read_json(request) if request.get_data(cache=True) else {}
    rotation = _rotation_for(svc, request.principal, rotation_id, "approve")
    side = approval_side(request.principal, rotation, body.get("side"))
    return _personnel_view(svc, request.principal, svc.personnel.approve_rotation(
        rotation_id, {"side": side, "comment": body.get("comment")},
        request.principal.subject))


def personnel_reject_rotation(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "approve", "reject_rotation")


def personnel_start_rotation(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "start_rotation")


def personnel_extend_rotation(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "extend_rotation")


def personnel_return_from_rotation(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "return_from_rotation")


def personnel_complete_rotation(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "complete_rotation")


def personnel_cancel_rotation(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "cancel_rotation")


def personnel_record_incentive(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "record_incentive")


def personnel_reserve_return_post(svc, request, rotation_id):
    return _rotation_action(svc, request, rotation_id, "write", "reserve_return_post",
                                 body_required=False)


def _rotation_action(svc, request, rotation_id, action, method, body_required=True):
    body = read_json(request) if body_required else _optional_json(request)
    _rotation_for(svc, request.principal, rotation_id, action)
    answer = getattr(svc.personnel, method)(rotation_id, body, request.principal.subject)
    return _personnel_view(svc, request.principal, answer)


# -- mobility figures and mandatory rotation -----------------------------------------------
def personnel_statistics(svc, request):
    regions = policy.region_filter(request.principal, RESOURCE, "read")
    return svc.personnel.mobility_statistics(_args(request), _scope(regions))


def personnel_region_statistics(svc, request, code):
    if not is_region(code):
        raise ValidationFailed("unknown region", {"code": ["unknown region code"]})
    policy.authorize(request.principal, RESOURCE, "read", code)
    answer = svc.personnel.mobility_statistics({**_args(request), "region": code}, [code])
    return {"region_code": code, "today": answer["today"], "year": answer["year"],
            **answer["regions"][code]}


def personnel_due_rotations(svc, request):
    regions = policy.region_filter(request.principal, RESOURCE, "read")
    return svc.personnel.due_rotations(_args(request), _scope(regions))


def personnel_scan_due_rotations(svc, request):
    body = _optional_json(request)
    policy.authorize(request.principal, RESOURCE, "write", None)  # national: unscoped only
    return svc.personnel.scan_due_rotations(_scan_day(request.principal, body.get("today")))


def _scan_day(principal, requested):
    """The day a scan runs as of: today, or (admins only, as the hub's checks) another day, since
    a scan as of a future day publishes rotation_due facts ahead of time."""
    if requested is None:
        return None
    try:
        day = ScanBody().load({"today": requested})["today"]
    except Exception:
        raise ValidationFailed("invalid scan day", {"today": ["must be a date, YYYY-MM-DD"]}) from None
    if day != clock.civil_today() and principal.role != policy.ADMIN:
        raise Forbidden("only an admin may run the scan as of another day",
                        {"role": principal.role, "today": day.isoformat()})
    return day.isoformat()


def _absent(what: str, key: str, value) -> NotFound:
    """The very answer the personnel service gives for an id it does not have, so that a caller
    without access cannot tell "exists in another region" from "does not exist"."""
    return NotFound(f"{what} not found", {key: value})
