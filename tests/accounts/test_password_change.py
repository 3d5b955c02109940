"""A signed-in user changes their own password: current one re-entered, validators applied, audited."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/accounts/password/"
NEW = "Harbour-Quiet-Maple-82"


def change(client, old=DEMO_PASSWORD, new1=NEW, new2=NEW):
    return client.post(URL, {"old_password": old, "new_password1": new1, "new_password2": new2})


@pytest.mark.parametrize("name", ["nurse", "patient_user"])
def test_a_user_changes_their_password_and_stays_signed_in(client, personas, name) -> None:
    user = getattr(personas, name)
    user.set_password(DEMO_PASSWORD)
    user.save()
    client.force_login(user)
    response = change(client)
    assert response.status_code == 302
    assert response["Location"] == ("/portal/" if name == "patient_user" else "/dashboard/")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.session.get(SESSION_KEY) == str(user.pk)
    assert client.get(response["Location"]).status_code == 200
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.actor_id == user.pk
    assert "Harbour" not in str(event.__dict__)


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"old": "wrong-password-1"}, "old_password", "current password is not correct"),
        ({"new1": "short", "new2": "short"}, "new_password1", "too short"),
        ({"new1": "12345678901234", "new2": "12345678901234"}, "new_password1", "entirely numeric"),
        ({"new2": "Something-Else-99"}, "new_password2", "do not match"),
        ({"new1": DEMO_PASSWORD, "new2": DEMO_PASSWORD}, "new_password1", "must differ"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(client, personas, data, field, text) -> None:
    user = personas.therapist
    user.set_password(DEMO_PASSWORD)
    user.save()
    client.force_login(user)
    response = change(client, **data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert text in " ".join(form.errors[field])
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
