"""The live dosing page: one htmx round trip per action, refusals shown in place, a fixed query budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kap_clinic.audit.models import AuditEvent
from sessions_app.clinical.models.dosing import VitalsReading

from .test_dosing_gates import give

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def page_url(r) -> str:
    return reverse("sessions_app:dosing", kwargs={"public_id": r.session.public_id})


def action_url(r, action: str) -> str:
    return reverse("sessions_app:dosing_action", kwargs={"public_id": r.session.public_id, "action": action})


def test_the_dosing_page_shows_each_check_met_or_not(personas, ready, client_for) -> None:
    r = ready(fasting=False)
    response = client_for(personas.nurse).get(page_url(r))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="check-fasting" data-state="unmet"' in html
    assert 'data-testid="check-consent" data-state="met"' in html
    assert 'data-testid="check-phq9" data-state="met"' in html
    assert "Dosing is blocked until every check is met: fasting confirmed" in html
    assert AuditEvent.objects.filter(action="dosing_record.viewed", actor=personas.nurse).exists()


def test_adding_a_vitals_reading_is_one_htmx_round_trip_answering_the_partial(personas, ready, client_for) -> None:
    r = ready()
    client = client_for(personas.nurse)
    response = client.post(
        action_url(r, "vitals"),
        {"systolic": "132", "diastolic": "84", "heart_rate": "76", "spo2": "97", "resp_rate": "14"},
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('\n<div id="dosing-board"') or '<div id="dosing-board"' in html[:200]
    assert "<html" not in html  # the partial, not the page
    assert 'id="dosing-status"' in html and 'hx-swap-oob="true"' in html  # the status strip rides along
    assert "132/84" in html
    assert VitalsReading.objects.filter(dosing=r.dosing, systolic=132).exists()


def test_a_refused_reading_comes_back_in_place_with_the_field_named(personas, ready, client_for) -> None:
    r = ready()
    response = client_for(personas.nurse).post(action_url(r, "vitals"), {"systolic": "300", "diastolic": "90"}, **HX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Systolic BP 300 mmHg is not a plausible reading" in html
    assert 'id="v-sys" name="systolic" inputmode="numeric" value="300"' in html
    assert "is-invalid" in html


def test_a_gate_refusal_on_the_page_answers_409_with_its_message(personas, ready, client_for) -> None:
    r = ready(vitals={"systolic": 185, "diastolic": 115})
    lot = r.lot
    response = client_for(personas.nurse).post(
        action_url(r, "administer"),
        {
            "dose_mg": "35",
            "infusion_minutes": "40",
            "lot": str(lot.public_id),
            "ordering_prescriber": str(personas.prescriber.public_id),
        },
        **HX,
    )
    assert response.status_code == 409
    assert "185/115 mmHg is above 180/110" in response.content.decode()


def test_without_javascript_an_action_redirects_back_to_the_page(personas, ready, client_for) -> None:
    r = ready(fasting=False)
    response = client_for(personas.nurse).post(action_url(r, "fasting"))
    assert response.status_code == 302
    assert response["Location"] == page_url(r)


def test_the_status_strip_shows_the_next_vitals_due_and_is_polled(personas, ready, client_for, clock) -> None:
    r = ready()
    give(personas, r)
    clock.advance(minutes=16)
    response = client_for(personas.nurse).get(
        reverse("sessions_app:dosing_status", kwargs={"public_id": r.session.public_id}), **HX
    )
    html = response.content.decode()
    assert 'data-testid="vitals-due" data-overdue="true"' in html
    assert 'hx-trigger="every 30s' in html
    assert """hx-headers='{"X-KAP-Background": "poll"}'""" in html  # a background poll, not activity


def test_the_status_poll_does_not_keep_an_unattended_tablet_signed_in(
    personas, ready, client_for, clock, settings
) -> None:
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    r = ready()
    give(personas, r)
    client = client_for(personas.nurse)
    assert client.get(page_url(r)).status_code == 200
    status = reverse("sessions_app:dosing_status", kwargs={"public_id": r.session.public_id})
    poll = {**HX, "HTTP_X_KAP_BACKGROUND": "poll", "HTTP_HX_CURRENT_URL": f"http://testserver{page_url(r)}"}
    for _ in range(60):  # the page polls every 30 s for half an hour; nobody touches it
        clock.advance(seconds=30)
        assert client.get(status, **poll).status_code == 200
    clock.advance(seconds=61)
    response = client.get(status, **poll)
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert page_url(r) in response["HX-Redirect"].replace("%2F", "/")  # back to the dosing page, not the strip
    assert client.get(page_url(r)).status_code == 302
    assert AuditEvent.objects.filter(action="dosing_record.viewed", actor=personas.nurse).count() == 1


def test_the_status_poll_still_works_while_the_clinician_is_active(
    personas, ready, client_for, clock, settings
) -> None:
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    r = ready()
    give(personas, r)
    client = client_for(personas.nurse)
    status = reverse("sessions_app:dosing_status", kwargs={"public_id": r.session.public_id})
    poll = {**HX, "HTTP_X_KAP_BACKGROUND": "poll"}
    for minute in (15, 30, 45, 60):
        clock.go(r.dosing.administrations.get().started_at + dt.timedelta(minutes=minute))
        assert client.get(status, **poll).status_code == 200
        response = client.post(action_url(r, "vitals"), {"heart_rate": "72"}, **HX)  # a reading every 15 min
        assert response.status_code == 200, minute


def _many_vitals(r, nurse, n: int) -> None:
    start = timezone.now()
    VitalsReading.objects.bulk_create(
        [
            VitalsReading(
                dosing=r.dosing,
                taken_at=start + dt.timedelta(minutes=i),
                recorded_by=nurse,
                phase="monitoring",
                systolic=120 + i % 20,
                diastolic=80,
                heart_rate=70,
                spo2=98,
                resp_rate=14,
                alerts=["hr_high"] if i % 10 == 0 else [],
            )
            for i in range(n)
        ]
    )


PAGE_BUDGET = 32  # queries for the whole dosing page, whatever the number of readings
ACTION_BUDGET = 45  # one vitals POST: the write, its audit event and live revision, and the re-rendered board


@pytest.mark.parametrize("readings", [1, 50])
def test_the_dosing_page_stays_within_a_fixed_query_budget(
    personas, ready, client_for, django_assert_max_num_queries, readings
) -> None:
    r = ready()
    give(personas, r)
    _many_vitals(r, personas.nurse, readings)
    client = client_for(personas.nurse)
    with django_assert_max_num_queries(PAGE_BUDGET):
        response = client.get(page_url(r))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="vitals-row"') == readings + 1
    with django_assert_max_num_queries(ACTION_BUDGET):
        response = client.post(action_url(r, "vitals"), {"heart_rate": "72"}, **HX)
    assert response.status_code == 200


def test_the_page_runs_the_same_queries_with_1_or_50_readings(personas, ready, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    r = ready()
    give(personas, r)
    client = client_for(personas.nurse)
    _many_vitals(r, personas.nurse, 1)
    client.get(page_url(r))  # the first request loads the session into the cache; compare steady states
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(r))
    _many_vitals(r, personas.nurse, 49)
    with CaptureQueriesContext(connection) as many:
        client.get(page_url(r))
    assert len(many) == len(few)


def test_open_the_record_from_the_page(personas, book, clinic, clock, client_for) -> None:
    from .conftest import TUESDAY, local

    session = book(
        local(TUESDAY, 10),
        kind="dosing",
        additional_staff=[personas.therapist, personas.nurse],
        room=clinic.dosing_room,
    )
    client = client_for(personas.nurse)
    response = client.get(reverse("sessions_app:dosing", kwargs={"public_id": session.public_id}))
    assert "Open dosing record" in response.content.decode()
    response = client.post(
        reverse("sessions_app:dosing_action", kwargs={"public_id": session.public_id, "action": "open"}),
        {"medication": "esketamine", "route": "iv"},
    )
    assert response.status_code == 400
    assert "Esketamine (nasal spray) is given by: Intranasal" in response.content.decode()
    response = client.post(
        reverse("sessions_app:dosing_action", kwargs={"public_id": session.public_id, "action": "open"}),
        {"medication": "esketamine", "route": "intranasal"},
    )
    assert response.status_code == 302


def test_someone_elses_dosing_page_is_a_404_and_the_admin_gets_403(personas, ready, client_for) -> None:
    r = ready()
    assert client_for(personas.outsider).get(page_url(r)).status_code == 404
    assert client_for(personas.admin).get(page_url(r)).status_code == 403
    assert client_for(personas.patient_user).get(page_url(r)).status_code == 403
    assert client_for(personas.therapist).get(page_url(r)).status_code == 200
    response = client_for(personas.therapist).post(action_url(r, "vitals"), {"heart_rate": "70"}, **HX)
    assert response.status_code == 403
    assert "Only a prescriber or nurse" in response.content.decode()
