"""API base: deny by default, token login, and one error body for every failure."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient
from rest_framework.views import APIView

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, InvalidTransition, PermissionDeniedError, ValidationFailed

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
RESOURCES = ["/api/v1/", "/api/v1/me/", "/api/v1/patients/", "/api/v1/staff/", "/api/v1/audit-events/"]


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "field"} <= set(body["error"]), body
    return body["error"]


@pytest.mark.parametrize("url", RESOURCES)
def test_anonymous_requests_to_api_resources_are_refused_with_401(api_client, url) -> None:
    response = api_client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("url", RESOURCES)
def test_a_made_up_token_is_refused_with_401(api_client, url) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert api_client.get(url).status_code == 401


def test_anonymous_writes_are_refused_too(api_client) -> None:
    response = api_client.post("/api/v1/staff/", {"email": "x@example.com"}, format="json")
    assert response.status_code == 401
    assert api_client.post("/api/v1/patients/", {}, format="json").status_code == 401


def test_email_and_password_buy_a_token_that_works_as_a_header(api_client, personas) -> None:
    response = api_client.post(TOKEN_URL, {"email": "prescriber@demo.clinic", "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == personas.prescriber
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["id"] == str(personas.prescriber.public_id)
    assert me.json()["email"] == "prescriber@demo.clinic"


def test_the_token_endpoint_matches_the_email_case_insensitively(api_client, personas) -> None:
    response = api_client.post(TOKEN_URL, {"email": "PRESCRIBER@demo.clinic", "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200


def test_asking_twice_returns_the_same_token(api_client, personas) -> None:
    body = {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD}
    first = api_client.post(TOKEN_URL, body, format="json").json()["token"]
    assert api_client.post(TOKEN_URL, body, format="json").json()["token"] == first


def test_issuing_a_token_is_audited(api_client, personas) -> None:
    api_client.post(TOKEN_URL, {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD}, format="json")
    event = AuditEvent.objects.get(action="auth.token_issued")
    assert event.actor == personas.nurse
    assert event.ip == "127.0.0.1"


def test_a_form_encoded_token_request_works_too(api_client, personas) -> None:
    response = api_client.post(TOKEN_URL, {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "prescriber@demo.clinic", "password": "wrong-password"},
        {"email": "nobody@demo.clinic", "password": DEMO_PASSWORD},
    ],
    ids=["wrong password", "unknown email"],
)
def test_bad_credentials_get_the_same_generic_400(api_client, personas, credentials) -> None:
    response = api_client.post(TOKEN_URL, credentials, format="json")
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_login",
        "message": "That email and password do not match an active account.",
        "field": None,
    }


def test_a_token_request_with_a_missing_field_names_the_field(api_client) -> None:
    response = api_client.post(TOKEN_URL, {"email": "nurse@demo.clinic"}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["field"] == "password"
    assert error["message"].startswith("password: ")


def test_malformed_json_gets_400_with_the_error_body(api_client) -> None:
    response = api_client.post(TOKEN_URL, '{"email": "nurse@demo.clinic", ', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_the_token_endpoint_refuses_get_with_405(api_client) -> None:
    response = api_client.get(TOKEN_URL)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_user_without_a_role_for_a_resource_gets_403_with_the_error_body(api_for, personas) -> None:
    response = api_for(personas.patient_user).get("/api/v1/patients/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize("url", ["/api/v1/no-such-thing/", "/api/v1/staff/123/", "/api/v2/"])
def test_an_api_url_that_matches_no_route_answers_404_in_json(api_for, personas, url) -> None:
    response = api_for(personas.admin).get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": "Not found.", "field": None}


def test_a_page_that_matches_no_route_stays_an_html_404(client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_lists_are_paginated_with_a_capped_page_size(api_for, personas) -> None:
    api = api_for(personas.admin)
    body = api.get("/api/v1/staff/?page_size=2").json()
    assert len(body["results"]) == 2
    assert body["count"] == 5
    assert body["next"] is not None
    assert api.get("/api/v1/staff/?page=99").status_code == 404
    assert api.get("/api/v1/staff/?page_size=100000").status_code == 200


class Raises(APIView):
    """A stand-in endpoint: raises whatever error the test puts in ``exc``."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    exc: Exception = Exception("set by the test")

    def get(self, request):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "status", "expected"),
    [
        (
            ValidationFailed("Weight must be between 30 and 250 kg.", field="weight_kg"),
            400,
            {"code": "validation_failed", "message": "Weight must be between 30 and 250 kg.", "field": "weight_kg"},
        ),
        (
            Conflict("The room is already booked at that time.", field="room"),
            409,
            {"code": "conflict", "message": "The room is already booked at that time.", "field": "room"},
        ),
        (
            InvalidTransition("A signed note cannot be edited.", field=None),
            409,
            {"code": "invalid_transition", "message": "A signed note cannot be edited.", "field": None},
        ),
        (
            PermissionDeniedError("Only a prescriber may override.", field="override"),
            403,
            {"code": "permission_denied", "message": "Only a prescriber may override.", "field": "override"},
        ),
        (Http404("No patient matches."), 404, {"code": "not_found", "field": None}),
        (PermissionDenied("no"), 403, {"code": "permission_denied", "field": None}),
    ],
    ids=["validation", "conflict", "transition", "domain-403", "http404", "django-403"],
)
def test_domain_errors_become_the_uniform_error_body(rf, exc, status, expected) -> None:
    response = Raises.as_view(exc=exc)(rf.get("/api/v1/x/"))
    response.render()
    assert response.status_code == status
    error = response.data["error"]
    assert {k: error[k] for k in expected} == expected
    assert error["message"]


def test_domain_error_extra_details_ride_along(rf) -> None:
    exc = Conflict("Double booking.", field="starts_at", extra={"conflicts_with": "abc"})
    response = Raises.as_view(exc=exc)(rf.get("/api/v1/x/"))
    assert response.data["error"]["conflicts_with"] == "abc"
