"""GET /api/v1/dosing-records/<id>/?since=<revision>: 304 while nothing changed, else the changes and the record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions_app.clinical.live import session_revision
from sessions_app.clinical.services.monitoring import vitals_alert_acknowledge, vitals_record

from .test_dosing_gates import give

pytestmark = pytest.mark.django_db


def record_url(r, since: int | str | None = None) -> str:
    url = reverse("api:dosing_record", kwargs={"public_id": r.dosing.public_id})
    return url if since is None else f"{url}?since={since}"


def test_the_record_carries_its_revision(personas, ready, api_for) -> None:
    r = ready()
    body = api_for(personas.nurse).get(record_url(r)).json()
    assert body["revision"] == session_revision(r.session.pk) > 0


def test_since_the_current_revision_is_304_with_no_body(personas, ready, api_for) -> None:
    r = ready()
    revision = session_revision(r.session.pk)
    response = api_for(personas.nurse).get(record_url(r, revision))
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{revision}"'


def test_since_an_older_revision_lists_each_change_after_it_and_the_record_now(personas, ready, api_for) -> None:
    p = personas
    r = ready()
    dose = give(p, r)
    since = session_revision(r.session.pk)
    high = vitals_record(actor=p.nurse, dosing=r.dosing, systolic=186, diastolic=96, heart_rate=88)
    vitals_alert_acknowledge(actor=p.prescriber, reading=high, note="Rechecked in 5 min")
    response = api_for(p.nurse).get(record_url(r, since))
    assert response.status_code == 200
    body = response.json()
    assert body["since"] == since and body["revision"] == since + 2 == body["record"]["revision"]
    assert [(c["revision"], c["kind"], c["id"], c["action"]) for c in body["changes"]] == [
        (since + 1, "vitals", str(high.public_id), "vitals.recorded"),
        (since + 2, "vitals", str(high.public_id), "vitals.alert_acknowledged"),
    ]
    reading = next(v for v in body["record"]["vitals"] if v["id"] == str(high.public_id))
    assert reading["systolic"] == 186
    assert body["record"]["administrations"][0]["id"] == str(dose.public_id)


def test_since_zero_lists_the_whole_history(personas, ready, api_for) -> None:
    r = ready()
    body = api_for(personas.nurse).get(record_url(r, 0)).json()
    actions = [c["action"] for c in body["changes"]]
    assert actions[0] == "session.scheduled"
    assert "dosing_record.opened" in actions and "vitals.recorded" in actions
    assert [c["revision"] for c in body["changes"]] == list(range(1, body["revision"] + 1))


@pytest.mark.parametrize("since", ["-1", "abc", "1.5"])
def test_a_since_that_is_not_a_revision_is_400_naming_the_field(personas, ready, api_for, since) -> None:
    r = ready()
    response = api_for(personas.nurse).get(record_url(r, since))
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "since"


def test_a_since_ahead_of_the_record_is_400(personas, ready, api_for) -> None:
    r = ready()
    response = api_for(personas.nurse).get(record_url(r, session_revision(r.session.pk) + 5))
    assert response.status_code == 400


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("admin", 403), ("patient_user", 403)])
def test_since_is_refused_like_the_record_itself(personas, ready, api_for, who, status) -> None:
    r = ready()
    assert api_for(personas.user(who)).get(record_url(r, 0)).status_code == status


def test_a_token_client_can_poll_with_since(personas, ready, api_client) -> None:
    r = ready()
    token = api_client.post(
        reverse("api:auth_token"), {"email": "nurse@demo.clinic", "password": "kap-demo-2026"}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(record_url(r, session_revision(r.session.pk))).status_code == 304


def test_the_schema_documents_since_and_the_304(api_client, db) -> None:
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/dosing-records/{public_id}/"]["get"]
    since = next(p for p in operation["parameters"] if p["name"] == "since")
    assert since["in"] == "query" and since["schema"]["type"] == "integer"
    assert "304" in operation["responses"]
    assert "DosingChanges" in schema["components"]["schemas"]
