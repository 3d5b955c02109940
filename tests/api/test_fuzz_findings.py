"""Regressions for what the Schemathesis run (test_fuzz_schema.py) found.

The schema described list responses, nullable fields and action/kind path segments differently
from what the API actually does.
"""

from __future__ import annotations

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


# --- the schema says what the API does ---------------------------------------------------------

PAGINATED = [
    "/api/v1/audit-events/",
    "/api/v1/staff/",
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
