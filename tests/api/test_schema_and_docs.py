"""/api/schema/ is a valid OpenAPI 3 document; /api/docs/ loads nothing from outside the site."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_openapi_3(schema) -> None:
    assert str(schema["openapi"]).startswith("3.")
    assert schema["info"]["title"] == "KAP Clinic API"


def test_the_schema_passes_the_openapi_validator(schema) -> None:
    validate(schema)


def test_the_schema_is_also_served_as_json(client) -> None:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_every_path_in_the_schema_has_operations(schema) -> None:
    assert schema["paths"]
    for url, item in schema["paths"].items():
        assert HTTP_METHODS & set(item), f"{url} has no operations"


def test_the_schema_lists_the_foundation_endpoints(schema) -> None:
    paths = schema["paths"]
    assert "post" in paths["/api/v1/auth/token/"]
    assert {"get", "post"} <= set(paths["/api/v1/staff/"])
    assert {"get", "patch"} <= set(paths["/api/v1/staff/{public_id}/"])
    assert "get" in paths["/api/v1/audit-events/"]
    assert "get" in paths["/api/v1/me/"]


def test_the_schema_documents_token_authentication(schema) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("type") == "apiKey" and s.get("name") == "Authorization" for s in schemes.values())


def test_ids_in_the_schema_are_uuids(schema) -> None:
    user = schema["components"]["schemas"]["UserOutput"]["properties"]
    assert user["id"]["format"] == "uuid"
    staff_id = schema["paths"]["/api/v1/staff/{public_id}/"]["get"]["parameters"][0]
    assert staff_id["schema"]["format"] == "uuid"


def test_the_docs_page_renders(client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "swagger" in response.content.decode().lower()


def test_the_docs_page_loads_its_assets_from_our_own_static_files(client) -> None:
    html = client.get("/api/docs/").content.decode()
    tags = re.findall(r"<(?:script|link|img)\b[^>]*>", html, flags=re.IGNORECASE)
    urls = [m for tag in tags for m in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", tag)]
    assert urls, html
    assert not [u for u in urls if re.match(r"^(https?:)?//", u)], urls
    assert [u for u in urls if u.startswith("/static/")]
    assert "cdn" not in html.lower()


def test_the_docs_assets_exist_in_our_static_files(client) -> None:
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']/static/([^"'?]+)["']""", html)
    assert assets
    for asset in assets:
        assert finders.find(asset), asset
