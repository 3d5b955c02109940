"""Opening a chart is audited; so is a refused attempt. The admin finds both on /audit/."""

from __future__ import annotations

import uuid

import pytest

from kap_clinic.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def chart(personas) -> str:
    return f"/patients/{personas.demo_patient.public_id}/"


def api_chart(personas) -> str:
    return f"/api/v1/patients/{personas.demo_patient.public_id}/"


def test_the_prescriber_opening_the_demo_chart_writes_a_patient_viewed_event(client, personas) -> None:
    client.force_login(personas.prescriber)
    response = client.get(chart(personas), REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-chart-0001")
    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(action="patient.viewed")
    assert event.actor == personas.prescriber
    assert event.actor_role == "clinician:prescriber"
    assert event.outcome == "success"
    assert event.ip == "10.1.2.3"
    assert event.request_id == "req-chart-0001"
    assert response["X-Request-ID"] == "req-chart-0001"
    assert event.patient_public_id == personas.demo_patient.public_id
    assert event.target_type == "patients.patient"
    assert event.target_public_id == str(personas.demo_patient.public_id)
    assert event.changed_fields == []


def test_a_generated_request_id_links_the_event_to_the_response(client, personas) -> None:
    client.force_login(personas.nurse)
    response = client.get(chart(personas), HTTP_X_REQUEST_ID="bad id; drop table")
    event = AuditEvent.objects.get(action="patient.viewed")
    assert event.request_id == response["X-Request-ID"]
    assert event.request_id != "bad id; drop table"
    assert len(event.request_id) == 32


def test_a_forwarded_header_is_ignored_when_no_proxy_is_trusted(client, personas, settings) -> None:
    settings.TRUSTED_PROXY_HOPS = 0
    client.force_login(personas.therapist)
    client.get(chart(personas), HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.5")
    assert AuditEvent.objects.get(action="patient.viewed").ip == "10.0.0.5"


@pytest.mark.parametrize(("hops", "expected"), [(1, "198.51.100.7"), (2, "203.0.113.9"), (3, "10.0.0.5")])
def test_behind_trusted_proxies_the_ip_is_read_from_the_right(client, personas, settings, hops, expected) -> None:
    settings.TRUSTED_PROXY_HOPS = hops
    client.force_login(personas.therapist)
    client.get(chart(personas), HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.5")
    assert AuditEvent.objects.get(action="patient.viewed").ip == expected


@pytest.mark.parametrize("hops", [0, 1])
def test_a_garbage_forwarded_header_does_not_break_the_audited_page(client, personas, settings, hops) -> None:
    settings.TRUSTED_PROXY_HOPS = hops
    client.force_login(personas.therapist)
    response = client.get(chart(personas), HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert AuditEvent.objects.get(action="patient.viewed").ip == "10.9.8.7"


def test_opening_the_chart_through_the_api_is_audited_too(api_for, personas) -> None:
    response = api_for(personas.prescriber).get(api_chart(personas))
    assert response.status_code == 200
    assert response.json()["id"] == str(personas.demo_patient.public_id)
    event = AuditEvent.objects.get(action="patient.viewed")
    assert event.actor == personas.prescriber
    assert event.patient_public_id == personas.demo_patient.public_id


def test_the_outsider_gets_404_for_the_demo_chart_and_the_attempt_is_audited(client, personas) -> None:
    client.force_login(personas.outsider)
    response = client.get(chart(personas), REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 404
    assert "Jordan" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="patient.viewed").exists()
    [event] = AuditEvent.objects.filter(action="patient.access_denied")
    assert event.actor == personas.outsider
    assert event.actor_role == "clinician:prescriber"
    assert event.outcome == "denied"
    assert event.ip == "10.4.4.4"
    assert event.target_public_id == str(personas.demo_patient.public_id)


def test_the_outsider_gets_404_for_the_demo_chart_in_the_api_and_it_is_audited(api_for, personas) -> None:
    response = api_for(personas.outsider).get(api_chart(personas))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "Jordan" not in response.content.decode()
    event = AuditEvent.objects.get(action="patient.access_denied")
    assert event.actor == personas.outsider
    assert event.outcome == "denied"


def test_an_unknown_patient_id_is_the_same_404_and_is_audited(client, personas) -> None:
    client.force_login(personas.outsider)
    unknown = uuid.uuid4()
    assert client.get(f"/patients/{unknown}/").status_code == 404
    assert AuditEvent.objects.get(action="patient.access_denied").target_public_id == str(unknown)


def test_the_admin_sees_the_view_and_the_denied_attempt_on_the_audit_trail(client, personas) -> None:
    client.force_login(personas.prescriber)
    client.get(chart(personas))
    client.force_login(personas.outsider)
    client.get(chart(personas))
    client.force_login(personas.admin)
    response = client.get(f"/audit/?patient={personas.demo_patient.public_id}")
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [(e.action, e.actor) for e in rows] == [
        ("patient.access_denied", personas.outsider),
        ("patient.viewed", personas.prescriber),
    ]
    html = response.content.decode()
    assert "prescriber@demo.clinic" in html
    assert "outsider@demo.clinic" in html
    assert "denied" in html


def test_the_admin_sees_the_same_events_through_the_api(client, api_for, personas) -> None:
    client.force_login(personas.prescriber)
    client.get(chart(personas))
    api = api_for(personas.admin)
    body = api.get(f"/api/v1/audit-events/?patient={personas.demo_patient.public_id}&action=patient.viewed").json()
    [row] = body["results"]
    assert row["actor"] == str(personas.prescriber.public_id)
    assert row["actor_role"] == "clinician:prescriber"
    assert row["patient"] == str(personas.demo_patient.public_id)
    assert row["request_id"]
    assert "pk" not in row
