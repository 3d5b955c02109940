"""The clinician's iCalendar feed: secret URL (only its hash stored), revocable, no PHI beyond initials."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from icalendar import Calendar

from kap_clinic.audit.models import AuditEvent
from sessions_app.scheduling.models import CalendarFeed
from sessions_app.scheduling.services.clinic import calendar_feed_create, calendar_feed_revoke
from sessions_app.scheduling.services.sessions import session_cancel
from tests.sessions_app.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_the_feed_shows_times_room_and_initials_only(frozen, personas, clinic, book, client) -> None:
    dose = book(at(MONDAY, 9), kind="dosing")
    cancelled = book(at(MONDAY, 14))
    session_cancel(actor=personas.admin, session=cancelled, reason="Patient unwell with flu")
    _, token = calendar_feed_create(actor=personas.therapist)
    response = client.get(reverse("sessions_app:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    for secret in ("Jordan", "Ellis", "Jordie", personas.demo_patient.mrn, "flu", "1987"):
        assert secret not in body
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert len(events) == 1  # the cancelled session is left out
    event = events[0]
    assert str(event["summary"]) == "Session · JE"
    assert "dosing" not in body.lower().replace("dosing a", "")  # the room's own name is allowed
    assert str(event["location"]) == "Dosing A"
    assert event.decoded("dtstart") == dose.starts_at
    assert event.decoded("dtend") == dose.ends_at
    assert str(event["uid"]) == f"{dose.public_id}@kap-clinic"
    assert AuditEvent.objects.filter(action="calendar_feed.read", actor=personas.therapist).exists()


def test_only_a_hash_of_the_secret_is_stored(frozen, personas) -> None:
    feed, token = calendar_feed_create(actor=personas.prescriber)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    assert len(token) >= 40


def test_revoking_or_replacing_the_feed_kills_the_old_url(frozen, personas, clinic, book, client) -> None:
    _, first = calendar_feed_create(actor=personas.prescriber)
    _, second = calendar_feed_create(actor=personas.prescriber)
    assert client.get(reverse("sessions_app:feed", args=[first])).status_code == 404
    assert client.get(reverse("sessions_app:feed", args=[second])).status_code == 200
    calendar_feed_revoke(actor=personas.prescriber)
    assert client.get(reverse("sessions_app:feed", args=[second])).status_code == 404
    assert CalendarFeed.objects.filter(clinician=personas.prescriber, revoked_at__isnull=True).count() == 0


def test_a_deactivated_clinicians_feed_stops(frozen, personas, client) -> None:
    _, token = calendar_feed_create(actor=personas.nurse)
    personas.nurse.is_active = False
    personas.nurse.save(update_fields=["is_active"])
    assert client.get(reverse("sessions_app:feed", args=[token])).status_code == 404


def test_the_feed_page_shows_the_url_once_and_revokes(frozen, personas, client_for) -> None:
    client = client_for(personas.nurse)
    response = client.post(reverse("sessions_app:feed_manage"), {"action": "create"})
    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("http://testserver/sessions/feed/") and url.endswith(".ics")
    page = client.get(reverse("sessions_app:feed_manage")).content.decode()
    assert url not in page
    assert "A feed is active" in page
    response = client.post(reverse("sessions_app:feed_manage"), {"action": "revoke"})
    assert response.status_code == 302
    assert client.get(url.replace("http://testserver", "")).status_code == 404
    assert client_for(personas.admin).get(reverse("sessions_app:feed_manage")).status_code == 403
