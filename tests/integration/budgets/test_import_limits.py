"""Import limits at the gateway (services/gateway/edge/import_limits.py): a zip bomb, an import over
its total size and too many open imports are answered 413/429 with a JSON body, and no revenue
line is stored."""
import io
import json
import zipfile

import pytest

from tests.integration.budgets.test_store_http import http  # noqa: F401 (fixture)
from tests.support.budgets import budgets, budgets_db, csv_text, line  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

MAX_BYTES = 2 * 1024 * 1024  # IMPORT_MAX_BYTES for these tests: 2 chunks of 1 MiB


@pytest.fixture
def _limits(monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_BYTES", str(MAX_BYTES))
    monkeypatch.setenv("IMPORT_MAX_OPEN_PER_CREDENTIAL", "2")


@pytest.fixture
def limited(_limits, http):  # noqa: F811  (the limits are set before the gateway starts)
    return http


def _zip(resource: bytes, *, declared_path="data/lines.csv", descriptor=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("datapackage.json", json.dumps(descriptor or {
            "name": "bomb", "resources": [{"name": "lines", "path": declared_path}]}))
        package.writestr(declared_path, resource)
    return buffer.getvalue()


def _lines(budgets_db):  # noqa: F811
    return sum(budgets_db[name].count_documents({}) for name in budgets_db.list_collection_names()
               if name.startswith("revenue"))


def test_a_zip_bomb_is_413_before_anything_is_inflated(limited, budgets_db):  # noqa: F811
    bomb = _zip(b"0" * (64 * 1024 * 1024))  # 64 MiB of zeros: ~64 KiB on the wire
    assert len(bomb) < 1024 * 1024
    answer = limited("admin").post("/api/v1/budgets/imports/ofdp", data=bomb,
                                   headers={"Content-Type": "application/zip"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "payload_too_large"
    assert answer.json()["details"] == {"max_bytes": MAX_BYTES, "part": "data/lines.csv"}
    assert _lines(budgets_db) == 0


def test_a_zip_whose_header_lies_about_its_size_stops_at_the_cap(limited, budgets_db):  # noqa: F811
    honest = _zip(b"0" * (MAX_BYTES + 4096))
    # rewrite the declared uncompressed size of the resource (local header and central directory)
    real = (MAX_BYTES + 4096).to_bytes(4, "little")
    lying = honest.replace(real, (1000).to_bytes(4, "little"))
    assert lying != honest
    answer = limited("admin").post("/api/v1/budgets/imports/ofdp", data=lying,
                                   headers={"Content-Type": "application/zip"})
    # zipfile may notice the lie itself, or the package be refused for what it holds (422)
    assert answer.status_code in (413, 422), answer.text
    assert answer.json()["error"] in ("payload_too_large", "unprocessable")
    assert _lines(budgets_db) == 0


def test_a_deeply_nested_datapackage_is_a_422_naming_it(limited):
    # the zip is what the document calls a binary body: what it holds is a business refusal
    nested = {"resources": [{"path": "data/lines.csv"}], "x": json.loads("[" * 100 + "]" * 100)}
    answer = limited("admin").post("/api/v1/budgets/imports/ofdp", data=_zip(b"", descriptor=nested),
                                   headers={"Content-Type": "application/zip"})
    assert answer.status_code == 422
    assert answer.json()["error"] == "unprocessable"
    assert list(answer.json()["details"]) == ["datapackage.json"]


def test_chunks_beyond_the_total_size_are_413(limited, budgets_db):  # noqa: F811
    officer = limited("regional_officer", "KZ-61")
    import_id = officer.post("/api/v1/budgets/imports",
                             json={"format": "csv", "mode": "partial"}).json()["import_id"]
    text = csv_text([line(period="M01", amount="1.00")], [])
    assert officer.put(f"/api/v1/budgets/imports/{import_id}/chunks/0",
                       data=text.encode()).status_code == 200
    refused = officer.put(f"/api/v1/budgets/imports/{import_id}/chunks/2", data=b"x")
    assert refused.status_code == 413
    assert refused.json()["details"] == {"max_bytes": MAX_BYTES, "max_chunks": 2, "seq": 2}


def test_a_credential_keeps_a_bounded_number_of_imports_open(limited):
    officer = limited("regional_officer", "KZ-61")
    opened = [officer.post("/api/v1/budgets/imports", json={"format": "csv"}) for _ in range(3)]
    assert [a.status_code for a in opened] == [201, 201, 429]
    assert opened[2].json()["error"] == "rate_limited"
    assert opened[2].json()["details"]["max_open_imports"] == 2
    assert int(opened[2].headers["Retry-After"]) >= 1
    # another credential is not affected; finishing one frees a place
    assert limited("regional_officer", "KZ-10").post(
        "/api/v1/budgets/imports", json={"format": "csv"}).status_code == 201
    first = opened[0].json()["import_id"]
    text = csv_text([line(period="M01", amount="1.00")], [])
    officer.put(f"/api/v1/budgets/imports/{first}/chunks/0", data=text.encode())
    assert officer.post(f"/api/v1/budgets/imports/{first}/finish",
                        json={"chunks": 1}).status_code == 202
    assert officer.post("/api/v1/budgets/imports", json={"format": "csv"}).status_code == 201
