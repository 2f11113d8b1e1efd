"""The personnel routes' own decisions (who may act, for which side, what is masked), with the
personnel service replaced by a mock: nameko's ``worker_factory`` injects it."""
import json

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder

from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.gateway.access.principal import Principal
from services.gateway.routes.personnel import approval_side
from services.gateway.service import GatewayService

IIN = "850517300123"
KZ35_TO_CENTRE = {"rotation_id": "rot-1", "from_region": "KZ-35", "to_region": None,
                  "status": "partially_approved"}
KZ10_TO_KZ35 = {"rotation_id": "rot-2", "from_region": "KZ-10", "to_region": "KZ-35"}


class Gateway(GatewayService):
    name = "gateway"


def principal(role, region=None, subject=None):
    return Principal(subject or f"{role}-{region}", role, region, "jwt", "token-1")


def request(who, body=None, query=None):
    builder = EnvironBuilder(method="POST" if body is not None else "GET",
                             data=json.dumps(body) if body is not None else None,
                             query_string=query, content_type="application/json")
    req = builder.get_request()
    req.principal = who
    return req


@pytest.fixture
def gateway():
    worker = worker_factory(Gateway)
    worker.personnel.get_rotation.side_effect = lambda rid: {"rot-1": KZ35_TO_CENTRE,
                                                             "rot-2": KZ10_TO_KZ35}[rid]
    worker.personnel.get_civil_servant.return_value = {
        "servant_id": "cs-1", "iin": IIN, "home_region": "KZ-35", "post_region": "KZ-35"}
    return worker


@pytest.mark.parametrize("who, rotation, asked, side", [
    (principal("hr_officer", "KZ-35"), KZ35_TO_CENTRE, None, "sending"),
    (principal("hr_officer", "KZ-35"), KZ10_TO_KZ35, None, "receiving"),
    (principal("hr_officer", "KZ-10"), KZ10_TO_KZ35, "sending", "sending"),
    (principal("hr_officer"), KZ35_TO_CENTRE, "receiving", "receiving"),
    (principal("admin"), KZ35_TO_CENTRE, "sending", "sending"),
])
def test_approval_side_follows_the_officers_region(who, rotation, asked, side):
    assert approval_side(who, rotation, asked) == side


def test_approval_side_refusals():
    with pytest.raises(Forbidden):  # a KZ-35 officer cannot approve for the receiving centre
        approval_side(principal("hr_officer", "KZ-35"), KZ35_TO_CENTRE, "receiving")
    with pytest.raises(Forbidden):  # nor for a rotation between two other regions
        approval_side(principal("hr_officer", "KZ-35"),
                      {"from_region": "KZ-10", "to_region": "KZ-11"}, None)
    with pytest.raises(ValidationFailed) as unnamed:  # central bodies name their side
        approval_side(principal("hr_officer"), KZ35_TO_CENTRE, None)
    assert "side" in unnamed.value.details


def test_approval_names_the_principal_and_the_derived_side(gateway):
    gateway.personnel.approve_rotation.return_value = {"rotation_id": "rot-1"}
    officer = principal("hr_officer", "KZ-35", subject="aigerim@kz35")
    gateway.personnel_approve_rotation(request(officer, {"comment": "ok"}), "rot-1")
    gateway.personnel.approve_rotation.assert_called_once_with(
        "rot-1", {"side": "sending", "comment": "ok"}, "aigerim@kz35")


@pytest.mark.parametrize("who", [principal("hr_officer", "KZ-10"), principal("hr_officer", "KZ-63")])
def test_officer_of_another_region_cannot_touch_the_rotation(gateway, who):
    """To a caller without access a rotation of another region does not exist: the answer is the
    one the personnel service gives for an unknown id."""
    with pytest.raises(NotFound) as hidden:
        gateway.personnel_start_rotation(request(who, {"start_date": "2026-12-01"}), "rot-1")
    assert (hidden.value.message, hidden.value.details) == ("rotation not found",
                                                            {"rotation_id": "rot-1"})
    with pytest.raises(NotFound):
        gateway.personnel_get_rotation(request(who), "rot-1")
    gateway.personnel.start_rotation.assert_not_called()


def test_listings_are_narrowed_to_the_officers_region(gateway):
    gateway.personnel.list_rotations.return_value = {"items": [], "total": 0}
    gateway.personnel.list_civil_servants.return_value = {"items": [], "total": 0}
    officer = principal("hr_officer", "KZ-35")
    gateway.personnel_list_rotations(request(officer, query={"status": "requested"}))
    gateway.personnel.list_rotations.assert_called_once_with({"status": "requested"}, ["KZ-35"])
    gateway.personnel_list_servants(request(principal("ministry_analyst")))
    gateway.personnel.list_civil_servants.assert_called_once_with({}, None)


@pytest.mark.parametrize("role, shown, masked", [
    ("hr_officer", IIN, False), ("admin", IIN, False), ("ministry_analyst", "************", True)])
def test_iin_is_masked_by_the_gateway_policy_only(gateway, role, shown, masked):
    answer = gateway.personnel_get_servant(request(principal(role)), "cs-1")
    assert (answer["iin"], answer["iin_masked"]) == (shown, masked)


def test_scoped_officer_cannot_see_another_regions_servant_or_create_central_bodies(gateway):
    with pytest.raises(NotFound) as hidden:
        gateway.personnel_get_servant(request(principal("hr_officer", "KZ-10")), "cs-1")
    assert (hidden.value.message, hidden.value.details) == ("civil servant not found",
                                                            {"servant_id": "cs-1"})
    with pytest.raises(Forbidden):
        gateway.personnel_create_organisation(request(principal("hr_officer", "KZ-35"), {
            "name": "Ministry", "kind": "central", "region_code": None}))
    gateway.personnel.create_organisation.assert_not_called()


def test_request_is_authorised_by_both_ends_and_unknown_references_are_400(gateway):
    gateway.personnel.get_position.return_value = {"position_id": "mne-b4", "region_code": None}
    gateway.personnel.request_rotation.return_value = {"rotation_id": "rot-9"}
    body = {"servant_id": "cs-1", "target_position_id": "mne-b4"}
    status, _ = gateway.personnel_request_rotation(request(principal("hr_officer", "KZ-35"), body))
    assert status == 201
    with pytest.raises(Forbidden):
        gateway.personnel_request_rotation(request(principal("hr_officer", "KZ-10"), body))
    with pytest.raises(ValidationFailed) as missing:
        gateway.personnel_request_rotation(request(principal("hr_officer", "KZ-35"), {"x": 1}))
    assert "servant_id" in missing.value.details


def _scan(gateway, who, body):
    return gateway.personnel_scan_due_rotations(request(who, body=body))


def test_a_scan_as_of_another_day_is_admin_only(gateway):
    from datetime import timedelta

    from services.common import clock
    future = (clock.civil_today() + timedelta(days=400)).isoformat()
    national_officer = principal("hr_officer", None)
    gateway.personnel.scan_due_rotations.return_value = {"published": 0}
    with pytest.raises(Forbidden) as refused:
        _scan(gateway, national_officer, {"today": future})
    assert refused.value.details == {"role": "hr_officer", "today": future}
    gateway.personnel.scan_due_rotations.assert_not_called()

    _scan(gateway, principal("admin"), {"today": future})
    gateway.personnel.scan_due_rotations.assert_called_once_with(future)
    _scan(gateway, national_officer, {"today": clock.civil_today().isoformat()})
    _scan(gateway, national_officer, {})
    assert gateway.personnel.scan_due_rotations.call_args_list[-1].args == (None,)


def test_a_scan_day_that_is_not_a_date_is_a_400_naming_the_field(gateway):
    with pytest.raises(ValidationFailed) as refused:
        _scan(gateway, principal("admin"), {"today": "next tuesday"})
    assert list(refused.value.details) == ["today"]


def test_a_reader_without_write_access_still_gets_a_403_not_a_404(gateway):
    """Hiding is only for callers who may not see the record: a national analyst may."""
    with pytest.raises(Forbidden):
        gateway.personnel_update_servant(request(principal("ministry_analyst"), {"x": 1}), "cs-1")


def test_an_officer_cannot_register_a_servant_into_another_regions_post(gateway):
    gateway.personnel.get_position.return_value = {"position_id": "p-kz10", "region_code": "KZ-10"}
    officer = principal("hr_officer", "KZ-35")
    with pytest.raises(Forbidden) as refused:
        gateway.personnel_register_servant(request(officer, {
            "position_id": "p-kz10", "home_region": "KZ-35", "iin": IIN}))
    assert refused.value.details["region"] == "KZ-10"
    gateway.personnel.register_civil_servant.assert_not_called()
