"""Preparation and integration records, follow-up checks, the dashboard and chart panels, the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kap_clinic.accounts.models import User
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.administration import administration_end
from sessions_app.clinical.services.monitoring import vitals_alert_acknowledge
from sessions_app.common.inputs import GateRefused, RecordSigned
from sessions_app.scheduling.models import Session

from . import helpers
from .conftest import TUESDAY, local
from .test_dosing_gates import give
from .test_monitoring_and_discharge import discharge

pytestmark = pytest.mark.django_db


def test_a_preparation_record_is_the_therapists_and_keeps_the_risks_discussed(personas, book, clinic, clock) -> None:
    prep = book(local(TUESDAY, 9), kind="preparation", lead_clinician=personas.therapist)
    with pytest.raises(PermissionDeniedError):
        notes.preparation_save(actor=personas.prescriber, session=prep, intentions="x")
    with pytest.raises(ValidationFailed) as exc:
        notes.preparation_save(actor=personas.therapist, session=prep, risks_discussed=["flying"])
    assert exc.value.field == "risks_discussed"
    record = notes.preparation_save(
        actor=personas.therapist,
        session=prep,
        intentions="Grief",
        risks_discussed=["dissociation", "nausea"],
        readiness="ready",
    )
    assert record.risks_discussed == ["nausea", "dissociation"]
    dosing = book(local(TUESDAY, 11), kind="dosing", additional_staff=[personas.therapist], room=clinic.dosing_room)
    with pytest.raises(ValidationFailed):
        notes.preparation_save(actor=personas.therapist, session=dosing, intentions="x")


def test_an_integration_record_links_to_the_dosing_session_it_follows(personas, ready, book, clock) -> None:
    r = ready()
    integration = book(local(TUESDAY, 15), kind="integration", lead_clinician=personas.therapist, follows=r.session)
    record = notes.integration_save(actor=personas.therapist, session=integration, experience="Felt held", plan="Walks")
    assert record.dosing_record == r.dosing
    with pytest.raises(GateRefused) as exc:  # not completed before its slot started
        notes.record_sign(actor=personas.therapist, record=record, password=helpers.PASSWORD)
    assert exc.value.code == "session_not_started"
    assert "Booked for 15:00 on 3 Mar" in exc.value.message
    clock.go(local(TUESDAY, 16))
    notes.record_sign(actor=personas.therapist, record=record, password=helpers.PASSWORD)
    integration.refresh_from_db()
    assert integration.status == Session.Status.COMPLETED  # signing completed it, walking the steps
    with pytest.raises(RecordSigned):
        notes.integration_save(actor=personas.therapist, session=integration, experience="changed")


def test_follow_up_questions_need_every_answer_and_are_written_once(personas, book, clock) -> None:
    visit = book(local(TUESDAY, 15), kind="follow_up")
    answers = {
        "urinary_urgency": True,
        "urinary_frequency": False,
        "dysuria": False,
        "hematuria": False,
        "non_prescribed_use": False,
        "memory_concern": False,
        "concentration_concern": True,
        "craving": "mild",
    }
    with pytest.raises(ValidationFailed) as exc:
        notes.follow_up_check_record(actor=personas.nurse, session=visit, **{**answers, "dysuria": ""})
    assert exc.value.field == "dysuria"
    with pytest.raises(ValidationFailed) as exc:
        notes.follow_up_check_record(actor=personas.nurse, session=visit, **{**answers, "non_prescribed_use": True})
    assert exc.value.field == "non_prescribed_details"
    check = notes.follow_up_check_record(actor=personas.nurse, session=visit, **answers)
    assert check.concerns == ["bladder symptoms", "memory / concentration"]
    with pytest.raises(Conflict):
        notes.follow_up_check_record(actor=personas.nurse, session=visit, **answers)


def test_the_preparation_page_saves_and_signs(personas, book, clock, client_for) -> None:
    prep = book(local(TUESDAY, 9), kind="preparation", lead_clinician=personas.therapist)
    url = reverse("sessions_app:preparation", kwargs={"public_id": prep.public_id})
    client = client_for(personas.therapist)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "save", "intentions": "Grief", "risks_discussed": ["nausea"], "readiness": "ready"}
    )
    assert response.status_code == 302
    response = client.post(url, {"action": "sign", "password": "wrong"})
    assert response.status_code == 400
    assert "The password is not correct" in response.content.decode()
    response = client.post(url, {"action": "sign", "password": helpers.PASSWORD})
    assert response.status_code == 409  # Monday 08:00: the session is booked for Tuesday 09:00
    assert "Booked for 09:00 on 3 Mar; it can be completed once it has started (09:00)." in response.content.decode()
    prep.refresh_from_db()
    assert prep.status == Session.Status.SCHEDULED
    clock.go(local(TUESDAY, 9, 50))
    client = client_for(personas.therapist)  # a new sign-in: the day-old one has timed out
    response = client.post(url, {"action": "sign", "password": helpers.PASSWORD})
    assert response.status_code == 302 and response.url == url
    prep.refresh_from_db()
    assert prep.status == Session.Status.COMPLETED
    html = client.get(url).content.decode()
    assert "Signed by Tessa Kline" in html
    assert 'name="intentions"' not in html  # read-only once signed
    html = client_for(personas.prescriber).get(url).content.decode()
    assert "Grief" in html and "Nausea and vomiting" in html


def test_unsigned_records_older_than_72_hours_appear_on_the_clinicians_dashboard(
    personas, ready, clock, client_for
) -> None:
    ready()
    client = client_for(personas.prescriber)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="unsigned-records"' in html
    assert "Nothing overdue." in html
    assert "Dosing page" in html  # today's dosing session, straight to the live page
    clock.advance(hours=73)
    client = client_for(personas.prescriber)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Dosing record · Jordie Ellis" in html
    assert (
        "Dosing record"
        not in client_for(personas.nurse)
        .get(reverse("dashboard"))
        .content.decode()
        .split('data-testid="unsigned-records"')[1]
        .split("</ul>")[0]
    )
    assert (
        'data-testid="clinical-dashboard"' not in client_for(personas.admin).get(reverse("dashboard")).content.decode()
    )


def test_the_chart_shows_the_cumulative_dose_to_clinicians_only(personas, ready, clock, client_for) -> None:
    r = ready()
    give(personas, r, "35")
    clock.advance(minutes=40)
    administration_end(actor=personas.nurse, administration=r.dosing.administrations.get())
    clock.advance(minutes=60)
    discharge(personas, r)
    url = reverse("patients:detail", kwargs={"public_id": personas.demo_patient.public_id})
    html = client_for(personas.prescriber).get(url).content.decode()
    assert 'data-testid="cumulative-dose"' in html
    assert "Cumulative racemic ketamine" in html and "35 mg" in html
    assert 'data-testid="session-records"' in html and "dosing record (unsigned)" in html
    assert 'data-testid="chart-clinical"' not in client_for(personas.admin).get(url).content.decode()
    assert "New psychotherapy note" in client_for(personas.therapist).get(url).content.decode()


def test_no_clinical_record_can_be_changed_in_the_django_admin(personas, ready, clock, client) -> None:
    r = ready(vitals={"systolic": 190, "diastolic": 118})
    vitals_alert_acknowledge(actor=personas.prescriber, reading=r.dosing.vitals.get())
    superuser = User.objects.create_superuser("root@demo.clinic", "root-pass-123", full_name="Root")
    client.force_login(superuser)
    change = reverse("admin:sessions_app_dosingrecord_change", args=[r.dosing.pk])
    assert client.get(change).status_code == 200  # view only
    # Unsigned records are edited in the app (validated, audited), not here.
    assert client.post(change, {"escort_name": "Someone else", "escort_phone": "1"}).status_code == 403
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    response = client.post(change, {"escort_name": "Someone else", "escort_phone": "1"})
    assert response.status_code == 403
    delete = reverse("admin:sessions_app_dosingrecord_delete", args=[r.dosing.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    r.dosing.refresh_from_db()
    assert r.dosing.escort_name == "Sam Ellis"
    assert DosingRecord.objects.filter(pk=r.dosing.pk).exists()
    # Psychotherapy notes are not in the admin at all.
    assert client.get("/django-admin/sessions_app/psychotherapynote/").status_code == 404


def test_the_unsigned_list_uses_the_threshold_setting(personas, ready, clock) -> None:
    from sessions_app.clinical import thresholds

    ready()
    clock.advance(hours=25)
    thresholds.clinical_setting_change(
        actor=personas.prescriber, key="unsigned_alert_hours", value="24", reason="Policy"
    )
    from sessions_app.clinical.selectors import unsigned_records_for

    hours = thresholds.current().unsigned_alert_hours
    assert hours == 24
    assert len(unsigned_records_for(personas.prescriber, older_than_hours=hours)) == 1
