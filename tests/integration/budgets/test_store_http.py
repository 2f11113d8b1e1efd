"""The /api/v1/budgets routes over real HTTP, with the budgets service behind them: region
scoping (403 for another region, guessed block ids included; another region's import is a
404), 400s naming the field, 409 with the figures, chunked and one-shot imports, and the OFDP zip round trip."""
import io
import json
import zipfile
from urllib.parse import quote

import pytest
import requests

from services.common.config import load_settings
from services.gateway.access.auth import issue_token
from services.gateway.service import GatewayService
from tests.support import wait_until
from tests.support.budgets import budgets, budgets_db, csv_text, line  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


class BudgetsGateway(GatewayService):
    name = "gateway"


@pytest.fixture
def http(budgets, container_factory, nameko_config, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_SECOND", "1000")
    monkeypatch.setenv("RATE_LIMIT_BURST", "1000")
    gateway = container_factory(BudgetsGateway, nameko_config)
    gateway.start()
    server = next(ext.server for ext in gateway.entrypoints if hasattr(ext, "server"))
    base = f"http://127.0.0.1:{server._sock.getsockname()[1]}"
    settings = load_settings()

    def client(role, region=None):
        token = issue_token(settings.jwt_secret, role, region, subject=f"{role}-{region}",
                            issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        session.base = base
        original = session.request
        session.request = lambda method, url, **kw: original(method, base + url, timeout=30, **kw)
        return session

    return client


def test_officer_records_and_reads_own_region_only(http):
    officer, other = http("regional_officer", "KZ-61"), http("regional_officer", "KZ-10")
    batch = {"lines": [line(code="101202", amount="300.00"), line(code="402103", amount="700.00")]}
    answer = officer.post("/api/v1/budgets/revenues", json=batch)
    assert answer.status_code == 200, answer.text
    assert answer.json()["lines_inserted"] == 2
    single = officer.post("/api/v1/budgets/revenues", json=line(period="M01", amount="5.00"))
    assert single.json()["result"] == "inserted"

    indicators = officer.get("/api/v1/budgets/regions/KZ-61/indicators/2025")
    # the yearly figure covers more months than the January one: it is the one counted
    assert indicators.status_code == 200 and indicators.json()["own_revenue_share"] == "0.3000"
    as_of = officer.get("/api/v1/budgets/regions/KZ-61/indicators/2025?as_of=M01")
    assert as_of.json()["own_revenue_kzt"] == "5.00"

    assert other.get("/api/v1/budgets/regions/KZ-61/indicators/2025").status_code == 403
    assert other.post("/api/v1/budgets/revenues", json=batch).status_code == 403
    assert other.get("/api/v1/budgets/revenues?region_code=KZ-61").status_code == 403
    assert other.get("/api/v1/budgets/revenues").json()["total"] == 0
    assert officer.get("/api/v1/budgets/revenues").json()["total"] == 3
    assert http("ministry_analyst").post("/api/v1/budgets/revenues", json=batch).status_code == 403


def test_a_code_outside_the_years_classification_is_422_naming_it(http):
    # a six-digit code keeps to the document; the classification edition of its year refuses it
    answer = http("admin").post("/api/v1/budgets/revenues", json=line(code="109999"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "unprocessable"
    assert list(answer.json()["details"]) == ["ebk_code"]


@pytest.mark.parametrize("body, field", [
    (line(code="10999"), "ebk_code"), (line(period="Q5"), "period"),
    (line(amount="-1.00"), "amount_kzt"), (line(amount="ten"), "amount_kzt"),
    (line(region="KZ-00"), "region_code")])
def test_bad_input_is_400_naming_the_field(http, body, field):
    answer = http("admin").post("/api/v1/budgets/revenues", json=body)
    assert answer.status_code == 400 and field in answer.json()["details"], answer.text


def test_fy2026_lines_are_checked_and_counted_by_the_fy2026_classification(http):
    officer = http("regional_officer", "KZ-61")
    old_way = officer.post("/api/v1/budgets/revenues", json=line(year=2026, code="402103"))
    assert old_way.status_code == 422, old_way.text
    assert "use 502103" in old_way.json()["details"]["ebk_code"][0]
    batch = {"lines": [line(year=2026, code="101202", amount="300.00"),
                       line(year=2026, code="502103", amount="700.00"),
                       line(year=2026, level="district", district="Sairam", code="502203",
                            amount="200.00")]}
    assert officer.post("/api/v1/budgets/revenues", json=batch).status_code == 200
    figures = officer.get("/api/v1/budgets/regions/KZ-61/indicators/2026").json()
    # the oblast-to-district transfer (502203) stays inside the region: counted once
    assert (figures["own_revenue_kzt"], figures["transfers_received_kzt"],
            figures["total_revenue_kzt"]) == ("300.00", "700.00", "1000.00")
    assert figures["transfer_dependency"] == "0.7000"
    assert figures["by_category"]["5"] == "700.00"
    # no Bureau table at 1 January 2026 is shipped: the per-resident figure says it is estimated
    assert figures["population_quality"] == "estimated" and figures["population_as_of"] == "2026-01-01"
    assert figures["revenue_per_resident_kzt"] is not None
    assert officer.get("/api/v1/budgets/regions/KZ-61/indicators/2025").json()[
        "population_quality"] == "exact"


def test_unknown_region_in_the_path_is_400(http):
    answer = http("admin").get("/api/v1/budgets/regions/KZ-00/indicators/2025")
    assert answer.status_code == 400 and "region_code" in answer.json()["details"]
    bad_period = http("admin").get("/api/v1/budgets/regions/KZ-61/indicators/2025?as_of=M13")
    assert bad_period.status_code == 400 and "as_of_period" in bad_period.json()["details"]


def test_blocks_guarded_by_region_and_409_with_figures(http):
    officer, other = http("regional_officer", "KZ-61"), http("regional_officer", "KZ-10")
    block = {"spending_body": "Health department", "region_code": "KZ-61", "fiscal_year": 2025,
             "limit_kzt": "100.00", "lines": [{"line_id": "clinics", "allocated_kzt": "60.00"},
                                              {"line_id": "drugs", "allocated_kzt": "40.00"}]}
    assert other.post("/api/v1/budgets/blocks", json=block).status_code == 403
    created = officer.post("/api/v1/budgets/blocks", json=block)
    assert created.status_code == 201, created.text
    path = f"/api/v1/budgets/blocks/{quote(created.json()['block_id'], safe='')}"
    assert other.get(path).status_code == 403
    move = {"from_line": "clinics", "to_line": "drugs", "amount_kzt": "70.00"}
    assert other.post(f"{path}/moves", json=move).status_code == 403
    refused = officer.post(f"{path}/moves", json=move)
    assert refused.status_code == 409
    assert refused.json()["details"]["rule"] == "insufficient_line_balance"
    assert refused.json()["details"]["available_kzt"] == "60.00"
    done = officer.post(f"{path}/moves", json=dict(move, amount_kzt="10.00"))
    assert done.status_code == 200 and done.json()["lines"][0]["allocated_kzt"] == "50.00"
    guessed = other.get(f"/api/v1/budgets/blocks/{quote('Health department|KZ-61|2026', safe='')}")
    assert guessed.status_code == 403  # another region's id, existing or not
    listed = officer.get("/api/v1/budgets/regions/KZ-61/blocks?fiscal_year=2025").json()
    assert [b["block_id"] for b in listed["items"]] == ["Health department|KZ-61|2025"]


def test_chunked_import_progress_and_scope(http, budgets_db):
    officer, other = http("regional_officer", "KZ-61"), http("regional_officer", "KZ-10")
    text = csv_text([line(period=f"M{m:02d}", amount="1.00") for m in range(1, 13)],
                    ["KZ-10,oblast,,2025,Y,101202,executed,9.00"])
    started = officer.post("/api/v1/budgets/imports", json={"format": "csv", "mode": "partial"})
    assert started.status_code == 201
    import_id = started.json()["import_id"]
    chunks = [text[i:i + 100] for i in range(0, len(text), 100)]
    # another region's import answers as an unknown one
    hidden = other.put(f"/api/v1/budgets/imports/{import_id}/chunks/0", data=chunks[0].encode())
    assert hidden.status_code == 404
    assert hidden.json()["details"] == {"import_id": import_id}
    assert other.get("/api/v1/budgets/imports/no-such-import").json()["message"] \
        == hidden.json()["message"].replace(import_id, "no-such-import")
    for seq, chunk in enumerate(chunks):
        sent = officer.put(f"/api/v1/budgets/imports/{import_id}/chunks/{seq}",
                           data=chunk.encode("utf-8"), headers={"Content-Type": "text/csv"})
        assert sent.status_code == 200, sent.text
    finished = officer.post(f"/api/v1/budgets/imports/{import_id}/finish",
                            json={"chunks": len(chunks)})
    assert finished.status_code == 202
    status = wait_until(lambda: (lambda s: s if s["done"] else None)(
        officer.get(f"/api/v1/budgets/imports/{import_id}").json()), message="import done")
    assert (status["lines_inserted"], status["rows_rejected"]) == (12, 1)
    assert status["errors"][0]["row"] == 14 and status["errors"][0]["field"] == "region_code"
    assert other.get(f"/api/v1/budgets/imports/{import_id}").status_code == 404


def test_ofdp_zip_exports_and_imports_back_unchanged(http, budgets_db):
    admin = http("admin")
    admin.post("/api/v1/budgets/revenues", json={"lines": [
        line(region="KZ-55", amount="10.00"), line(region="KZ-55", phase="approved",
                                                   amount="12.00")]})
    generated = admin.post("/api/v1/budgets/regions/KZ-55/reports/2025")
    assert generated.status_code == 201 and generated.json()["due_date"] == "2026-04-01"
    officer = http("regional_officer", "KZ-55")
    assert officer.get("/api/v1/budgets/regions/KZ-55/reports/2025").status_code == 200
    assert officer.get("/api/v1/budgets/regions/KZ-55/reports/2025/ofdp.zip").status_code == 403
    assert http("office_coordinator").post(
        "/api/v1/budgets/regions/KZ-55/reports/2025").status_code == 403

    package = http("ministry_analyst").get("/api/v1/budgets/regions/KZ-55/reports/2025/ofdp.zip")
    assert package.status_code == 200
    assert package.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(package.content))
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["profile"] == "fiscal-data-package"
    assert archive.read("data/local-budget-revenue.csv").decode().count("\n") == 2

    reimported = admin.post("/api/v1/budgets/imports/ofdp?mode=all_or_nothing",
                            data=package.content, headers={"Content-Type": "application/zip"})
    assert reimported.status_code == 202, reimported.text
    import_id = reimported.json()["import_id"]
    status = wait_until(lambda: (lambda s: s if s["done"] else None)(
        admin.get(f"/api/v1/budgets/imports/{import_id}").json()), message="import done")
    assert (status["state"], status["lines_unchanged"], status["lines_inserted"]) == \
        ("completed", 2, 0)

    one_shot = admin.post("/api/v1/budgets/imports/csv?mode=all_or_nothing",
                          data=csv_text([line(region="KZ-55", code="104302")]).encode())
    assert one_shot.status_code == 202 and one_shot.json()["chunks_total"] == 1
