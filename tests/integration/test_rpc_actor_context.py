"""Commands take their actor from the authenticated context, and seed RPCs serve only local
development (services.common.rpc.SafeRpc)."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.common.errors import Forbidden
from services.common.rpc import ACTOR_CONTEXT_KEY, rpc

pytestmark = pytest.mark.integration


class ApprovalsService:
    name = "approvals_probe"

    @rpc
    def approve(self, rotation_id, data, by):
        return {"rotation_id": rotation_id, "by": by}

    @rpc
    def load_seed(self, batch):
        return {"loaded": len(batch)}

    @rpc
    def summary(self, region_code):
        return region_code


@pytest.fixture
def probe(container_factory, nameko_config):
    container_factory(ApprovalsService, nameko_config).start()
    return nameko_config


def _proxy(config, actor=None):
    context = {ACTOR_CONTEXT_KEY: actor} if actor else None
    return ServiceRpcProxy("approvals_probe", config, context_data=context, timeout=10)


@pytest.mark.parametrize("env", ["local", "production"])
def test_the_context_actor_wins_over_the_payloads_by(probe, monkeypatch, env):
    monkeypatch.setenv("PLATFORM_ENV", env)
    with _proxy(probe, actor="hr-officer-7") as service:
        assert service.approve("r1", {}, "mallory") == {"rotation_id": "r1", "by": "hr-officer-7"}
        assert service.approve("r1", {}, by="mallory")["by"] == "hr-officer-7"


def test_outside_local_a_command_without_an_authenticated_actor_is_refused(probe, monkeypatch):
    monkeypatch.setenv("PLATFORM_ENV", "production")
    with _proxy(probe) as service:
        with pytest.raises(Forbidden) as refused:
            service.approve("r1", {}, "mallory")
        assert refused.value.details["reason"] == "no_authenticated_actor"
        assert service.summary("KZ-11") == "KZ-11"  # queries name no actor and still answer


def test_in_local_development_tools_may_still_name_the_actor(probe, monkeypatch):
    monkeypatch.setenv("PLATFORM_ENV", "local")
    with _proxy(probe) as service:
        assert service.approve("r1", {}, "seed-tool")["by"] == "seed-tool"


def test_seed_rpcs_are_served_only_in_local_development(probe, monkeypatch):
    monkeypatch.setenv("PLATFORM_ENV", "local")
    with _proxy(probe) as service:
        assert service.load_seed([1, 2]) == {"loaded": 2}
    monkeypatch.setenv("PLATFORM_ENV", "production")
    with _proxy(probe, actor="admin") as service:
        with pytest.raises(Forbidden) as refused:
            service.load_seed([1, 2])
    assert refused.value.details == {"reason": "local_only", "method": "load_seed"}
