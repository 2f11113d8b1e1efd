"""Input and output schemas: IIN reasons through the schema, cross-field checks, page caps,
exact money, and masking the IIN in output."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import ValidationFailed
from services.common.loading import load
from services.personnel import contract as s
from services.personnel.domain.iin import REASON_CENTURY, REASON_CHECK_DIGIT, REASON_DATE, REASON_FORMAT
from tests.support.personnel_world import World


def servant_input(**overrides):
    data = {"iin": "880101300123", "full_name": "Suleimenova Aigerim Maratkyzy", "position_id": "p-1",
            "service_start": "2012-09-01", "post_start": "2020-01-10"}
    data.update(overrides)
    return data


def errors(schema, data) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        load(schema, data)
    return caught.value.details


@pytest.mark.parametrize("iin, reason", [
    ("88010130012", REASON_FORMAT), ("880101000123", REASON_CENTURY), ("881301300123", REASON_DATE),
    ("880101300124", REASON_CHECK_DIGIT),
])
def test_servant_create_reports_the_iin_reason(iin, reason):
    assert errors(s.CivilServantCreateSchema(), servant_input(iin=iin)) == {"iin": [reason]}


def test_servant_create_birth_date_and_sex_must_match_iin():
    assert errors(s.CivilServantCreateSchema(), servant_input(date_of_birth="1988-01-02", sex="female")) == {
        "date_of_birth": ["does not match IIN"], "sex": ["does not match IIN"]}
    loaded = load(s.CivilServantCreateSchema(), servant_input(date_of_birth="1988-01-01"))
    assert loaded["date_of_birth"] == date(1988, 1, 1) and loaded["home_region"] is None


def test_servant_update_needs_something_and_limits_status():
    assert "_schema" in errors(s.CivilServantUpdateSchema(), {})
    assert "status" in errors(s.CivilServantUpdateSchema(), {"status": "seconded"})
    assert load(s.CivilServantUpdateSchema(), {"home_region": "KZ-10"}) == {"home_region": "KZ-10"}


@pytest.mark.parametrize("data, field", [
    ({"name": "Akimat", "kind": "regional"}, "region_code"),
    ({"name": "Ministry", "kind": "central", "region_code": "KZ-71"}, "region_code"),
    ({"name": "Akimat", "kind": "regional", "region_code": "KZ-00"}, "region_code"),
])
def test_organisation_region_follows_kind(data, field):
    assert field in errors(s.OrganisationCreateSchema(), data)


def rotation_input(**overrides):
    data = {"servant_id": "cs-1", "target_position_id": "mne-b4", "planned_start": "2025-10-01",
            "term_months": 24}
    data.update(overrides)
    return data


def test_rotation_request_needs_exactly_one_end():
    assert "planned_end" in errors(s.RotationRequestSchema(), rotation_input(planned_end="2027-10-01"))
    assert "planned_end" in errors(s.RotationRequestSchema(), rotation_input(term_months=None))
    assert "planned_end" in errors(s.RotationRequestSchema(),
                                   rotation_input(term_months=None, planned_end="2025-09-01"))
    loaded = load(s.RotationRequestSchema(), rotation_input())
    assert loaded["incentives"] == [] and loaded["planned_end"] is None


def test_incentive_money_is_exact():
    loaded = load(s.RotationRequestSchema(), rotation_input(incentives=[
        {"kind": "housing_compensation", "amount_kzt": "180000.50", "period_months": 24}]))
    assert loaded["incentives"][0]["amount_kzt"] == Decimal("180000.50")
    details = errors(s.RotationRequestSchema(), rotation_input(incentives=[
        {"kind": "other", "amount_kzt": "1.005", "period_months": 0}]))
    assert set(details) == {"incentives.0.amount_kzt", "incentives.0.period_months"}
    details = errors(s.RotationRequestSchema(), rotation_input(incentives=[
        {"kind": "other", "amount_kzt": "1.00", "period_months": 1}]))
    assert set(details) == {"incentives.0.description"}


@pytest.mark.parametrize("schema, data, field", [
    (s.RotationApproveSchema, {"side": "both"}, "side"),
    (s.RotationRejectSchema, {"reason": ""}, "reason"),
    (s.RotationCancelSchema, {}, "reason"),
    (s.RotationStartSchema, {"start_date": "soon"}, "start_date"),
    (s.RotationExtendSchema, {"new_end": "2027-01-01"}, "basis"),
    (s.RotationReturnSchema, {}, "return_date"),
    (s.RotationCompleteSchema, {"return_position_id": "p"}, "end_date"),
    (s.MandatoryRotationExtensionSchema, {"authority": "minister", "until": "2026-01-01", "basis": "b"}, "authority"),
])
def test_command_schemas(schema, data, field):
    assert field in errors(schema(), data)


def test_page_size_is_capped():
    assert load(s.ServantQuerySchema(), {})["page_size"] == s.DEFAULT_PAGE_SIZE
    assert load(s.RotationQuerySchema(), {"page_size": s.MAX_PAGE_SIZE})["page_size"] == s.MAX_PAGE_SIZE
    for schema in (s.ServantQuerySchema, s.RotationQuerySchema, s.PositionQuerySchema, s.OrganisationQuerySchema):
        assert "page_size" in errors(schema(), {"page_size": s.MAX_PAGE_SIZE + 1})
        assert "page" in errors(schema(), {"page": 0})


def test_query_filters():
    loaded = load(s.RotationQuerySchema(), {"region": "KZ-35", "status": "started",
                                                      "direction": "region_to_centre", "ends_before": "2026-01-01"})
    assert loaded["ends_before"] == date(2026, 1, 1)
    assert "status" in errors(s.RotationQuerySchema(), {"status": "finished"})
    assert "region" in errors(s.ServantQuerySchema(), {"region": "Karaganda"})


def test_servant_output_and_masking():
    world = World()
    world.drive("completed")
    doc = world.servants["cs-1"]
    full = s.dump_servant(doc, reveal_iin=True)
    assert full["iin"] == doc["iin"] and full["iin_masked"] is False
    assert full["career_credits"][0]["earned_on"] == doc["career_credits"][0]["earned_on"].isoformat()
    masked = s.dump_servant(doc, reveal_iin=False)
    assert masked["iin"] == "************" and masked["iin_masked"] is True
    assert "sex" not in masked and "date_of_birth" not in masked
    assert masked["birth_year"] == doc["date_of_birth"].year
    assert doc["iin"] not in repr(masked)
    assert s.mask_servant(doc)["iin"] == masked["iin"] and doc["iin"] != masked["iin"]  # input untouched


def test_rotation_output_dumps_history_and_money_as_strings():
    world = World()
    world.drive("started", incentives=[{"kind": "relocation_allowance", "amount_kzt": "450000", "period_months": 1}])
    dumped = s.RotationSchema().dump(world.rotations["rot-1"])
    assert dumped["incentives"][0]["amount_kzt"] == "450000.00"
    assert [h["action"] for h in dumped["history"]][-1] == "start"
    assert dumped["return_post"]["position_id"] == "kz35-c3-own"
    assert datetime.fromisoformat(dumped["history"][0]["at"]).tzinfo == timezone.utc
