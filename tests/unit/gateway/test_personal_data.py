"""Full IIN reads are audited, personal-data answers are never cached (issue #12 §2, §8)."""
import json
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from services.gateway.access.principal import Principal
from services.gateway.edge.http import ApiRoute
from services.gateway.service import GatewayService

SERVANTS = [{"servant_id": f"cs-{i}", "iin": "850517300123", "home_region": "KZ-35",
             "date_of_birth": "1985-05-17", "sex": "male"} for i in range(3)]


class Gateway(GatewayService):
    name = "gateway"


def _request(who, method="GET"):
    req = EnvironBuilder(method=method, path="/api/v1/personnel/civil-servants").get_request()
    req.principal = who
    req.correlation_id = "c-1"
    return req


@pytest.fixture
def gateway():
    worker = worker_factory(Gateway)
    worker.personnel.get_civil_servant.return_value = SERVANTS[0]
    worker.personnel.list_civil_servants.return_value = {"items": SERVANTS, "total": 3}
    return worker


@pytest.mark.parametrize("role, revealed", [
    ("hr_officer", ["cs-0", "cs-1", "cs-2"]), ("admin", ["cs-0", "cs-1", "cs-2"]),
    ("ministry_analyst", [])])
def test_a_listing_notes_whose_full_iin_it_revealed(gateway, role, revealed):
    req = _request(Principal("p", role, None, "jwt", "t"))
    gateway.personnel_list_servants(req)
    assert getattr(req, "revealed_iins", []) == revealed


def test_one_servant_read_in_full_is_noted(gateway):
    req = _request(Principal("p", "hr_officer", "KZ-35", "jwt", "t"))
    gateway.personnel_get_servant(req, "cs-0")
    assert req.revealed_iins == ["cs-0"]


def _route(permission, public=False):
    route = ApiRoute("GET", "/x", permission=permission, public=public)
    route.guard = Mock()
    return route


def test_a_read_that_revealed_full_iins_is_audited_with_whose():
    route = _route(("personnel", "read"))
    req = _request(Principal("p", "hr_officer", None, "jwt", "t"))
    req.revealed_iins = ["cs-0", "cs-1"]
    route._maybe_audit(req, Response("{}", status=200))
    route.guard.audit.assert_called_once()
    assert route.guard.audit.call_args.kwargs["revealed_iins"] == ["cs-0", "cs-1"]


def test_a_read_that_revealed_nothing_is_not_audited():
    route = _route(("personnel", "read"))
    req = _request(Principal("p", "ministry_analyst", None, "jwt", "t"))
    route._maybe_audit(req, Response("{}", status=200))
    route.guard.audit.assert_not_called()


@pytest.mark.parametrize("permission, no_store", [
    (("personnel", "read"), True), (("personnel", "write"), True), (("audit", "read"), True),
    (("api_keys", "admin"), True), (("projects", "read"), False)])
def test_personal_data_answers_are_not_cached(permission, no_store):
    route = _route(permission)
    response = route.finish(_request(None), Response("{}", status=200))
    assert (response.headers.get("Cache-Control") == "no-store") is no_store
