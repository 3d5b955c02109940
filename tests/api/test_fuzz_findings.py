"""Regressions for what the Schemathesis run (test_fuzz_schema.py) found.

Bad query parameters were silently ignored (200 with the default) instead of a 400 naming the
parameter; and the schema described list responses, nullable fields and action/kind path segments
differently from what the API actually does.
"""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["error"]


@pytest.fixture
def schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


# --- bad query parameters: 400 naming the parameter -------------------------------------------


@pytest.mark.parametrize("value", ["0", "-3", "0.999", "ten", "1e3"])
def test_a_page_size_that_is_not_a_positive_whole_number_is_a_400_naming_it(personas, api_for, value) -> None:
    response = api_for(personas.prescriber).get("/api/v1/patients/", {"page_size": value})
    error = error_of(response)
    assert error["field"] == "page_size"
    assert "whole number" in error["message"]


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_page_that_is_not_a_positive_whole_number_is_a_400_naming_it(personas, api_for, value) -> None:
    error = error_of(api_for(personas.prescriber).get("/api/v1/patients/", {"page": value}))
    assert error["field"] == "page"


def test_a_page_past_the_end_is_still_a_404_and_last_still_works(personas, api_for) -> None:
    api = api_for(personas.prescriber)
    assert api.get("/api/v1/patients/", {"page": "999"}).status_code == 404
    assert api.get("/api/v1/patients/", {"page": "last"}).status_code == 200


def test_a_valid_page_size_still_pages_and_a_huge_one_is_capped(personas, api_for) -> None:
    api = api_for(personas.prescriber)
    one = api.get("/api/v1/patients/", {"page_size": "1"})
    assert one.status_code == 200
    assert len(one.json()["results"]) == 1
    assert api.get("/api/v1/patients/", {"page_size": "100000"}).status_code == 200
    assert api.get("/api/v1/patients/", {"page_size": ""}).status_code == 200


def test_an_unknown_instrument_filter_on_assessments_is_a_400_naming_it(personas, api_for) -> None:
    url = f"/api/v1/patients/{personas.demo_patient.public_id}/assessments/"
    api = api_for(personas.prescriber)
    error = error_of(api.get(url, {"instrument": "not-a-scale"}))
    assert error["field"] == "instrument"
    assert api.get(url, {"instrument": "phq9"}).status_code == 200
    assert api.get(url, {"instrument": ""}).status_code == 200


@pytest.mark.parametrize("value", ["maybe", "-2924422", "yes please"])
def test_a_non_boolean_open_filter_on_safety_flags_is_a_400_naming_it(personas, api_for, value) -> None:
    url = f"/api/v1/patients/{personas.demo_patient.public_id}/safety-flags/"
    error = error_of(api_for(personas.prescriber).get(url, {"open": value}))
    assert error["field"] == "open"


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "TRUE", ""])
def test_boolean_spellings_of_the_open_filter_are_accepted(personas, api_for, value) -> None:
    url = f"/api/v1/patients/{personas.demo_patient.public_id}/safety-flags/"
    assert api_for(personas.prescriber).get(url, {"open": value}).status_code == 200


# --- the schema says what the API does ---------------------------------------------------------

PAGINATED = [
    "/api/v1/audit-events/",
    "/api/v1/staff/",
    "/api/v1/patients/",
    "/api/v1/patients/{public_id}/assessments/",
    "/api/v1/patients/{public_id}/safety-flags/",
    "/api/v1/patients/{public_id}/consents/",
    "/api/v1/consent-documents/",
    "/api/v1/sessions/",
    "/api/v1/reports/",
    "/api/v1/reminders/",
]


@pytest.mark.parametrize("path", PAGINATED)
def test_paginated_lists_are_described_as_a_page_envelope_with_page_parameters(schema, path) -> None:
    get = schema["paths"][path]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    assert {"page", "page_size"} <= {p["name"] for p in get["parameters"] if p["in"] == "query"}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Session", "follows"),
        ("Session", "cancelled_by"),
        ("Session", "course"),
        ("Entry", "witness"),
        ("Entry", "patient"),
        ("Entry", "administration"),
        ("ConsentStatus", "record"),
        ("ConsentStatus", "pending_request"),
        ("AuditEvent", "patient"),
        ("AuditEvent", "actor"),
        ("Report", "session"),
    ],
)
def test_fields_the_api_may_send_as_null_are_nullable_in_the_schema(schema, component, field) -> None:
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True


RECORD_KINDS = {"dosing", "preparation", "integration"}


@pytest.mark.parametrize(
    ("path", "method", "name", "values"),
    [
        ("/api/v1/administrations/{public_id}/{action}/", "post", "action", {"device", "end", "void"}),
        ("/api/v1/psychotherapy-notes/{public_id}/{action}/", "post", "action", {"sign", "addenda"}),
        ("/api/v1/inventory/lots/{public_id}/{action}/", "post", "action", {"waste", "adjustments", "counts", "void"}),
        ("/api/v1/clinical-records/{kind}/{public_id}/sign/", "post", "kind", RECORD_KINDS),
        ("/api/v1/clinical-records/{kind}/{public_id}/addenda/", "get", "kind", RECORD_KINDS),
    ],
)
def test_action_and_kind_path_segments_list_the_values_the_api_knows(schema, path, method, name, values) -> None:
    params = {p["name"]: p for p in schema["paths"][path][method]["parameters"] if p["in"] == "path"}
    assert set(params[name]["schema"]["enum"]) == values


def test_optional_query_parameters_may_be_sent_empty_as_the_api_treats_empty_as_absent(schema) -> None:
    sessions = {p["name"]: p for p in schema["paths"]["/api/v1/sessions/"]["get"]["parameters"]}
    assert sessions["room"]["allowEmptyValue"] is True
    assert sessions["page"]["allowEmptyValue"] is True
    flags = schema["paths"]["/api/v1/patients/{public_id}/safety-flags/"]["get"]["parameters"]
    assert all(p.get("allowEmptyValue") is True for p in flags if p["in"] == "query")
    assert all("allowEmptyValue" not in p for p in flags if p["in"] == "path")


def test_empty_optional_query_parameters_mean_absent(personas, api_for) -> None:
    api = api_for(personas.prescriber)
    assert api.get("/api/v1/sessions/", {"room": "", "patient": "", "start": "", "status": ""}).status_code == 200
    assert api.get("/api/v1/patients/", {"page": "", "page_size": "", "sort": ""}).status_code == 200


def test_every_operation_documents_the_error_body_for_4xx(schema) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "field"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                ref = operation["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (method, path)


def test_a_real_refusal_matches_the_documented_error_body(personas, api_for, schema) -> None:
    validate(schema)
    body = api_for(personas.prescriber).get("/api/v1/patients/", {"page_size": "x"}).json()
    assert set(body) == {"error"}
    assert {"code", "message", "field"} <= set(body["error"])
    assert body["error"]["field"] == "page_size"


def test_clinical_fields_are_optional_in_the_patient_schema_as_admins_do_not_get_them(personas, api_for, schema):
    component = schema["components"]["schemas"]["PatientDetailOutput"]
    body = api_for(personas.admin).get(f"/api/v1/patients/{personas.demo_patient.public_id}/").json()
    assert "conditions" not in body
    assert set(component["required"]) <= set(body)
    assert {"conditions", "condition_other"} <= set(component["properties"])


# --- JSON nested deeper than Python's decoder goes: 400, never 500 ---------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("who", ["anonymous", "prescriber"])
@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/patients/", "/api/v1/sessions/"])
def test_deeply_nested_json_is_a_400_for_anyone(personas, api_for, who, path) -> None:
    api = api_for(None if who == "anonymous" else personas.prescriber)
    response = api.post(path, DEEP, content_type="application/json")
    assert response.status_code in (400, 401, 403), response.content
    if response.status_code == 400:
        assert "nested too deeply" in response.json()["error"]["message"]
    if path == "/api/v1/auth/token/":
        assert response.status_code == 400  # parsed before any credentials are looked at


def test_deeply_nested_json_to_the_calendar_move_is_a_400(personas, client) -> None:
    import datetime as dt

    from django.utils import timezone

    from tests.sessions_app.factories import RoomFactory, SessionFactory

    session = SessionFactory(
        patient=personas.demo_patient,
        lead_clinician=personas.prescriber,
        room=RoomFactory(),
        starts_at=timezone.now() + dt.timedelta(days=2),
        created_by=personas.admin,
    )
    client.force_login(personas.admin)
    response = client.post(f"/sessions/{session.public_id}/move/", DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
