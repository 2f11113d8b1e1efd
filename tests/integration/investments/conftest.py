"""The investments service in a real container, with its database emptied before and after each
test (shared by the service and seeding tests)."""
import pytest

from services.common.config import load_settings
from services.common.mongo import get_client
from services.investments.service import InvestmentsService
from services.investments.stage_pages import PAGES_COLLECTION
from services.investments.totals_repository import TOTALS_COLLECTION

COLLECTIONS = ("projects", "outbox_pointers", TOTALS_COLLECTION, PAGES_COLLECTION)


@pytest.fixture
def store(platform_env, monkeypatch):
    """The service's database of this run, emptied before and after each test."""
    monkeypatch.setenv("INVESTMENTS_METRICS_PORT", "0")  # no /metrics listener in tests
    db = get_client()[load_settings().database_name("investments")]
    for name in COLLECTIONS:
        db.drop_collection(name)
    yield db
    for name in COLLECTIONS:
        db.drop_collection(name)


@pytest.fixture
def service(container_factory, nameko_config, store):
    container = container_factory(InvestmentsService, nameko_config)
    container.start()
    return container
