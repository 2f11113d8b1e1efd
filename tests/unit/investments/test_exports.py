"""CSV rows and IATI-like activity documents."""
import csv
import io
import json
from datetime import datetime, timezone

import pytest

from services.investments.application.demo_data import advance, example_project
from services.investments.application.exports import CSV_COLUMNS, to_csv_rows, to_iati_activity
from services.investments.domain import STAGES, register_project
from services.investments.domain.settings import InvestmentSettings

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)


def make(stage="proposed", **overrides):
    project, _ = register_project(example_project(**overrides), project_id="p-1", now=NOW,
                                  by="u")
    project, _ = advance(project, stage, now=NOW, by="u")
    return project


def test_csv_header_and_rows():
    projects = [make(), make("commissioned", external_ref="R-2",
                             total_cost={"amount": "1000.00", "currency": "USD",
                                         "exchange_rate": "512.5"}, financing_sources=[])]
    rows = to_csv_rows(projects)
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 3 and all(len(r) == len(CSV_COLUMNS) for r in rows)
    assert all(isinstance(cell, str) for row in rows for cell in row)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["external_ref"] == "KZINVEST-2025-000123"
    assert first["region_name"] == "Kostanay region"
    assert first["cost_kzt"] == "12500000000.00"
    assert first["financing_kzt"] == "12500000000.00"
    assert first["priority"] == "true"
    assert first["agglomeration"] == "" and first["actual_start"] == ""
    assert first["planned_start"] == "2025-04-01"
    assert first["created_at"] == "2025-09-01T04:00:00+00:00"
    assert first["version"] == "1"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["cost_currency"] == "USD" and second["exchange_rate"] == "512.5"
    assert second["cost_amount"] == "1000.00" and second["cost_kzt"] == "512500.00"
    assert second["financing_kzt"] == "0.00"
    assert second["stage"] == "commissioned" and second["actual_commissioning"] != ""


def test_csv_rows_write_and_read_back():
    rows = to_csv_rows([make(title='Plant "Altyn", phase 1, line\u00a02')])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == rows


@pytest.mark.parametrize("title", ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)"])
def test_csv_neutralises_formula_like_text(title):
    row = dict(zip(CSV_COLUMNS, to_csv_rows([make(title=title)])[1], strict=True))
    assert row["title"] == "'" + title


def test_csv_of_no_projects_is_the_header():
    assert to_csv_rows([]) == [list(CSV_COLUMNS)]


EXPECTED_STATUS = {"proposed": "1", "appraised": "1", "approved": "1", "financed": "1",
                   "under_implementation": "2", "commissioned": "3", "evaluated": "4",
                   "cancelled": "5", "suspended": "6"}


@pytest.mark.parametrize("stage", STAGES)
def test_iati_activity_status_per_stage(stage):
    activity = to_iati_activity(make(stage))
    assert activity["activity-status"] == {"code": EXPECTED_STATUS[stage]}
    json.dumps(activity)


def test_iati_activity_shape():
    project = make("commissioned", agglomeration=None, district="Kostanay district")
    activity = to_iati_activity(project)
    assert activity["iati-identifier"] == "KZ-GOV-RDC-KZINVEST-2025-000123"
    assert activity["title"] == {"narrative": [{"text": project["title"]}]}
    assert activity["description"][0]["narrative"][0]["text"] == project["description"]
    assert activity["recipient-country"]["code"] == "KZ"
    assert activity["recipient-region"]["code"] == "KZ-39"
    assert activity["recipient-region"]["vocabulary"] == "99"
    assert activity["recipient-region"]["narrative"] == [{"text": "Kostanay region"}]
    assert activity["sector"] == [{"code": "agro_processing", "vocabulary": "99",
                                   "percentage": "100",
                                   "narrative": [{"text": "Agro-industrial processing"}]}]
    assert activity["participating-org"] == [{
        "role": "1", "ref": "KZ-BIN-250140000003", "country": "KZ",
        "narrative": [{"text": "Tobyl Agro LLP"}]}]
    assert activity["budget"][0]["value"] == {"currency": "KZT", "value-date": "2025-04-01",
                                              "value": "12500000000.00"}
    assert activity["budget"][0]["period-start"] == {"iso-date": "2025-04-01"}
    assert activity["budget"][0]["period-end"] == {"iso-date": "2027-09-30"}
    dates = {d["type"]: d["iso-date"] for d in activity["activity-date"]}
    assert dates == {"1": "2025-04-01", "2": project["actual_start"].isoformat(),
                     "3": "2027-09-30", "4": project["actual_commissioning"].isoformat()}
    assert activity["default-currency"] == "KZT"
    assert activity["location"] == [{"name": {"narrative": [{"text": "Kostanay district"}]}}]


def test_iati_without_planned_dates_and_with_agglomeration_and_usd():
    project = make(region_code="KZ-35", agglomeration="karaganda", district="Temirtau",
                   planned_start=None, planned_commissioning=None, description="",
                   total_cost={"amount": "1000.00", "currency": "USD", "exchange_rate": "500"},
                   financing_sources=[])
    activity = to_iati_activity(project, InvestmentSettings(iati_reporting_org_ref="XI-TEST"))
    assert activity["iati-identifier"] == "XI-TEST-KZINVEST-2025-000123"
    assert activity["activity-date"] == []
    assert "period-start" not in activity["budget"][0]
    assert activity["budget"][0]["value"]["value"] == "500000.00"
    assert activity["budget"][0]["value"]["currency"] == "KZT"
    assert activity["budget"][0]["value"]["value-date"] == "2025-09-01"
    assert activity["description"][0]["narrative"][0]["text"] == project["title"]
    assert activity["location"][0]["name"]["narrative"][0]["text"] == (
        "Temirtau, Karaganda agglomeration")
