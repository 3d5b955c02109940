"""/api/v1/staff/: the same staff rules as the HTML pages, with the uniform error body."""

from __future__ import annotations

import uuid

import pytest

from kap_clinic.accounts.models import User
from kap_clinic.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_NURSE = {"email": "New.Nurse@demo.clinic", "full_name": "Nia Rowe", "role": "clinician", "discipline": "nurse"}


@pytest.fixture
def api(api_for, personas):
    return api_for(personas.admin)


def detail(user: User) -> str:
    return f"/api/v1/staff/{user.public_id}/"


def assert_error(response, status: int, field: str | None, words: str) -> None:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "field"}
    assert error["field"] == field
    assert words in error["message"]


def test_the_staff_list_is_paginated_and_uses_public_ids(api, personas) -> None:
    body = api.get("/api/v1/staff/").json()
    assert body["count"] == 5
    assert {"count", "next", "previous", "results"} <= set(body)
    by_email = {row["email"]: row for row in body["results"]}
    assert by_email["nurse@demo.clinic"]["id"] == str(personas.nurse.public_id)
    assert by_email["nurse@demo.clinic"]["discipline"] == "nurse"
    assert "patient@demo.clinic" not in by_email
    assert all("pk" not in row and "password" not in row for row in body["results"])


def test_an_admin_creates_a_clinician_through_the_api(api, personas) -> None:
    response = api.post("/api/v1/staff/", NEW_NURSE, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.nurse@demo.clinic"
    user = User.objects.get(public_id=body["id"])
    assert user.is_nurse
    assert AuditEvent.objects.get(action="user.created").target_public_id == body["id"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"email": "NURSE@demo.clinic"}, "email", "already exists"),
        ({"discipline": ""}, "discipline", "needs a discipline"),
        ({"role": "admin", "discipline": "therapist"}, "discipline", "Only clinicians"),
        ({"role": "patient"}, "role", "not a valid choice"),
        ({"discipline": "surgeon"}, "discipline", "not a valid choice"),
        ({"email": "nope"}, "email", "valid email"),
        ({"password": "short"}, "password", "too short"),
        ({"full_name": ""}, "full_name", "blank"),
        ({"email": "a" * 250 + "@demo.clinic"}, "email", "254"),
        ({"credentials": "x" * 51}, "credentials", "50"),
        ({"discipline": None}, "discipline", "null"),
    ],
)
def test_bad_staff_input_gets_400_naming_the_field(api, changes, field, words) -> None:
    before = User.objects.count()
    response = api.post("/api/v1/staff/", {**NEW_NURSE, **changes}, format="json")
    assert_error(response, 400, field, words)
    assert User.objects.count() == before


def test_a_wrongly_typed_body_gets_400_not_500(api) -> None:
    response = api.post("/api/v1/staff/", {**NEW_NURSE, "full_name": ["a", "list"], "role": 7}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] in ("full_name", "role")


def test_a_json_array_body_gets_400_not_500(api) -> None:
    response = api.post("/api/v1/staff/", [NEW_NURSE], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_an_admin_changes_a_role_through_the_api_and_it_is_audited(api, personas) -> None:
    response = api.patch(detail(personas.therapist), {"role": "admin"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert response.json()["discipline"] == ""
    event = AuditEvent.objects.get(action="role.changed")
    assert event.changed_fields == ["discipline", "role"]
    assert event.target_public_id == str(personas.therapist.public_id)


def test_changing_only_the_discipline_keeps_the_role(api, personas) -> None:
    response = api.patch(detail(personas.nurse), {"discipline": "therapist"}, format="json")
    assert response.status_code == 200
    personas.nurse.refresh_from_db()
    assert personas.nurse.is_therapist


def test_demoting_an_admin_needs_a_discipline(api, personas) -> None:
    other = User.objects.create_user("second.admin@demo.clinic", None, full_name="Sam Second", role="admin")
    assert_error(api.patch(detail(other), {"role": "clinician"}, format="json"), 400, "discipline", "discipline")
    response = api.patch(detail(other), {"role": "clinician", "discipline": "prescriber"}, format="json")
    assert response.status_code == 200
    assert response.json()["discipline"] == "prescriber"


def test_an_admin_cannot_remove_their_own_admin_role(api, personas) -> None:
    response = api.patch(detail(personas.admin), {"role": "clinician", "discipline": "nurse"}, format="json")
    assert_error(response, 400, "role", "your own admin role")
    personas.admin.refresh_from_db()
    assert personas.admin.is_practice_admin


def test_an_admin_deactivates_and_reactivates_through_the_api(api, personas) -> None:
    response = api.patch(detail(personas.outsider), {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert api.patch(detail(personas.outsider), {"is_active": True}, format="json").json()["is_active"] is True
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "user.deactivated",
        "user.reactivated",
    ]


def test_an_admin_cannot_deactivate_themself_through_the_api(api, personas) -> None:
    response = api.patch(detail(personas.admin), {"is_active": False}, format="json")
    assert_error(response, 400, "is_active", "own account")
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


def test_a_refused_change_saves_nothing_of_the_same_request(api, personas) -> None:
    response = api.patch(detail(personas.admin), {"full_name": "Renamed Admin", "is_active": False}, format="json")
    assert response.status_code == 400
    personas.admin.refresh_from_db()
    assert personas.admin.full_name == "Alex Morgan"
    assert not AuditEvent.objects.filter(action="user.updated").exists()


def test_the_email_is_not_writable_through_patch(api, personas) -> None:
    api.patch(detail(personas.nurse), {"email": "hijack@example.com"}, format="json")
    personas.nurse.refresh_from_db()
    assert personas.nurse.email == "nurse@demo.clinic"


def test_an_unknown_or_malformed_staff_id_is_a_404(api, personas) -> None:
    assert api.get(f"/api/v1/staff/{uuid.uuid4()}/").status_code == 404
    assert api.patch(f"/api/v1/staff/{uuid.uuid4()}/", {"is_active": False}, format="json").status_code == 404
    assert api.get("/api/v1/staff/not-a-uuid/").status_code == 404
    assert api.get(detail(personas.patient_user)).status_code == 404


def test_the_staff_endpoints_refuse_other_methods_with_405(api, personas) -> None:
    assert api.delete(detail(personas.nurse)).status_code == 405
    assert api.put(detail(personas.nurse), NEW_NURSE, format="json").status_code == 405
    assert api.delete("/api/v1/staff/").status_code == 405
    personas.nurse.refresh_from_db()
    assert personas.nurse.is_active


@pytest.mark.parametrize("who", ["prescriber", "nurse", "therapist", "outsider", "patient_user"])
def test_only_practice_admins_may_use_the_staff_api(api_for, personas, who) -> None:
    api = api_for(getattr(personas, who))
    assert api.get("/api/v1/staff/").status_code == 403
    assert api.post("/api/v1/staff/", NEW_NURSE, format="json").status_code == 403
    assert api.patch(detail(personas.nurse), {"is_active": False}, format="json").status_code == 403
    assert not User.objects.filter(email="new.nurse@demo.clinic").exists()
