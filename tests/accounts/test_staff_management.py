"""Practice admins manage staff accounts in the app's own pages; every change is audited."""

from __future__ import annotations

import pytest

from kap_clinic.accounts import services
from kap_clinic.accounts.models import User
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import ValidationFailed

pytestmark = pytest.mark.django_db

NEW_NURSE = {
    "email": "New.Nurse@Demo.Clinic",
    "full_name": "Nia Rowe",
    "role": "clinician",
    "discipline": "nurse",
    "credentials": "RN",
    "password": "",
}


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.admin)
    return client


def edit_url(user: User) -> str:
    return f"/accounts/staff/{user.public_id}/"


def edit_data(user: User, **changes: str) -> dict:
    data = {f: getattr(user, f) for f in ("email", "full_name", "role", "discipline", "credentials")}
    return {**data, **changes}


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_the_staff_list_shows_every_staff_member_and_no_patients(admin_client, personas) -> None:
    response = admin_client.get("/accounts/staff/")
    html = response.content.decode()
    for user in (personas.admin, personas.prescriber, personas.nurse, personas.therapist, personas.outsider):
        assert user.email in html
    assert "patient@demo.clinic" not in html


def test_an_admin_creates_a_clinician_with_a_discipline(admin_client, personas) -> None:
    response = admin_client.post("/accounts/staff/new/", NEW_NURSE)
    assert response.status_code == 302
    user = User.objects.get(email="new.nurse@demo.clinic")
    assert (user.role, user.discipline, user.credentials, user.is_active) == ("clinician", "nurse", "RN", True)
    assert not user.has_usable_password()
    [event] = events("user.created")
    assert event.actor == personas.admin
    assert event.actor_role == "admin"
    assert event.target_public_id == str(user.public_id)


def test_an_admin_creates_another_admin_with_a_strong_password(admin_client) -> None:
    data = {**NEW_NURSE, "role": "admin", "discipline": "", "password": "Quiet-Harbor-Lamp-92"}
    assert admin_client.post("/accounts/staff/new/", data).status_code == 302
    user = User.objects.get(email="new.nurse@demo.clinic")
    assert user.is_practice_admin
    assert user.check_password("Quiet-Harbor-Lamp-92")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"email": "NURSE@demo.clinic"}, "email", "already exists"),
        ({"discipline": ""}, "discipline", "needs a discipline"),
        ({"role": "admin", "discipline": "prescriber"}, "discipline", "Only clinicians"),
        ({"role": "patient"}, "role", "valid choice"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"full_name": ""}, "full_name", "required"),
        ({"password": "12345678"}, "password", "too short"),
        ({"email": "a" * 250 + "@demo.clinic"}, "email", "at most 254"),
        ({"full_name": "Nia\x00Rowe"}, "full_name", "Null characters"),
    ],
)
def test_bad_staff_input_is_refused_naming_the_field(admin_client, changes, field, words) -> None:
    before = User.objects.count()
    response = admin_client.post("/accounts/staff/new/", {**NEW_NURSE, **changes})
    assert response.status_code == 200
    assert any(words in message for message in field_errors(response, field)), response.context["form"].errors
    assert User.objects.count() == before
    assert events("user.created") == []


def test_an_admin_changes_a_role_and_discipline_and_it_is_audited(admin_client, personas) -> None:
    nurse = personas.nurse
    response = admin_client.post(edit_url(nurse), edit_data(nurse, discipline="prescriber", credentials="NP"))
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.is_prescriber
    [event] = events("role.changed")
    assert event.changed_fields == ["credentials", "discipline"]
    assert event.actor == personas.admin
    assert event.target_public_id == str(nurse.public_id)


def test_promoting_a_clinician_to_admin_clears_the_discipline(admin_client, personas) -> None:
    data = edit_data(personas.therapist, role="admin", discipline="")
    response = admin_client.post(edit_url(personas.therapist), data)
    assert response.status_code == 302
    personas.therapist.refresh_from_db()
    assert (personas.therapist.role, personas.therapist.discipline) == ("admin", "")
    assert events("role.changed")[0].changed_fields == ["discipline", "role"]


def test_renaming_is_audited_as_an_update_not_a_role_change(admin_client, personas) -> None:
    admin_client.post(edit_url(personas.nurse), edit_data(personas.nurse, full_name="Noah B. Bennett"))
    assert [e.changed_fields for e in events("user.updated")] == [["full_name"]]
    assert events("role.changed") == []


def test_saving_without_changes_writes_no_event(admin_client, personas) -> None:
    admin_client.post(edit_url(personas.nurse), edit_data(personas.nurse))
    assert not AuditEvent.objects.filter(action__in=["user.updated", "role.changed"]).exists()


def test_the_email_cannot_be_changed_on_the_edit_page(admin_client, personas) -> None:
    admin_client.post(edit_url(personas.nurse), edit_data(personas.nurse, email="hijack@example.com"))
    personas.nurse.refresh_from_db()
    assert personas.nurse.email == "nurse@demo.clinic"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"role": "clinician", "discipline": ""}, "discipline", "needs a discipline"),
        ({"discipline": "nurse"}, "discipline", "Only clinicians"),
        ({"role": "clinician", "discipline": "nurse"}, "role", "your own admin role"),
    ],
)
def test_an_admin_editing_themself_gets_errors_naming_the_field(admin_client, personas, changes, field, words) -> None:
    response = admin_client.post(edit_url(personas.admin), edit_data(personas.admin, **changes))
    assert response.status_code == 200
    assert any(words in message for message in field_errors(response, field)), response.context["form"].errors
    personas.admin.refresh_from_db()
    assert personas.admin.is_practice_admin
    assert events("role.changed") == []


def test_an_admin_deactivates_and_reactivates_a_clinician(admin_client, personas) -> None:
    url = f"/accounts/staff/{personas.nurse.public_id}/active/"
    response = admin_client.post(url, {"active": "0"}, follow=True)
    assert "Noah Bennett is now deactivated" in response.content.decode()
    personas.nurse.refresh_from_db()
    assert not personas.nurse.is_active
    assert personas.nurse.deactivated_at is not None
    admin_client.post(url, {"active": "1"})
    personas.nurse.refresh_from_db()
    assert personas.nurse.is_active
    assert personas.nurse.deactivated_at is None
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["user.deactivated", "user.reactivated"]
    assert all(e.changed_fields == ["is_active"] for e in AuditEvent.objects.all())


def test_an_admin_cannot_deactivate_themself(admin_client, personas) -> None:
    response = admin_client.post(f"/accounts/staff/{personas.admin.public_id}/active/", {"active": "0"}, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    personas.admin.refresh_from_db()
    assert personas.admin.is_active
    assert events("user.deactivated") == []


@pytest.mark.parametrize("value", [None, "", "yes", "true"])
def test_an_unclear_activate_request_changes_nothing(admin_client, personas, value) -> None:
    data = {} if value is None else {"active": value}
    response = admin_client.post(f"/accounts/staff/{personas.nurse.public_id}/active/", data, follow=True)
    assert "Choose whether to deactivate or reactivate" in response.content.decode()
    personas.nurse.refresh_from_db()
    assert personas.nurse.is_active
    assert events("user.deactivated") == []


def test_the_service_refuses_an_email_too_long_for_the_database(personas) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.user_create_staff(
            actor=personas.admin, email="a" * 250 + "@demo.clinic", full_name="Long Mail", role="admin"
        )
    assert caught.value.field == "email"


def test_the_staff_list_offers_no_deactivate_button_for_yourself(admin_client, personas) -> None:
    html = admin_client.get("/accounts/staff/").content.decode()
    assert f"/accounts/staff/{personas.admin.public_id}/active/" not in html
    assert f"/accounts/staff/{personas.nurse.public_id}/active/" in html


def test_a_deactivated_member_is_listed_as_deactivated(admin_client, personas) -> None:
    admin_client.post(f"/accounts/staff/{personas.nurse.public_id}/active/", {"active": "0"})
    html = admin_client.get("/accounts/staff/").content.decode()
    assert "Deactivated" in html
    assert "Reactivate" in html


def test_patient_accounts_are_not_managed_on_staff_pages(admin_client, personas) -> None:
    assert admin_client.get(edit_url(personas.patient_user)).status_code == 404
    response = admin_client.post(f"/accounts/staff/{personas.patient_user.public_id}/active/", {"active": "0"})
    assert response.status_code == 404


def test_an_unknown_staff_id_is_a_404(admin_client) -> None:
    assert admin_client.get("/accounts/staff/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize("who", ["prescriber", "nurse", "therapist", "outsider", "patient_user"])
def test_only_practice_admins_may_manage_staff(client, personas, who) -> None:
    client.force_login(getattr(personas, who))
    assert client.post("/accounts/staff/new/", NEW_NURSE).status_code == 403
    assert client.post(f"/accounts/staff/{personas.nurse.public_id}/active/", {"active": "0"}).status_code == 403
    assert not User.objects.filter(email="new.nurse@demo.clinic").exists()
    personas.nurse.refresh_from_db()
    assert personas.nurse.is_active
