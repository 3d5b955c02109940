"""Live dosing page: every write moves the session's revision on; the page's "anything new?" poll
answers 204 from one query after authentication, or the fresh board and status strip."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.accounts.middleware import SESSION_KEY
from sessions_app.clinical.live import session_revision
from sessions_app.clinical.models.dosing import VitalsReading
from sessions_app.clinical.models.live import LiveChange
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.administration import administration_end, administration_void
from sessions_app.clinical.services.discharge import discharge_record
from sessions_app.clinical.services.dosing import dosing_confirm, dosing_plan_update
from sessions_app.clinical.services.monitoring import (
    adverse_event_record,
    observation_record,
    vitals_alert_acknowledge,
    vitals_record,
    vitals_void,
)

from .test_dosing_gates import give

pytestmark = pytest.mark.django_db

POLL = {"HTTP_X_KAP_BACKGROUND": "poll"}
CACHED_DB = "kap_clinic.accounts.sessions"


def live_url(r, v: int | str | None = None) -> str:
    url = reverse("sessions_app:dosing_live", kwargs={"public_id": r.session.public_id})
    return url if v is None else f"{url}?v={v}"


def _many_vitals(r, nurse, n: int) -> None:
    VitalsReading.objects.bulk_create(
        [
            VitalsReading(
                dosing=r.dosing,
                taken_at=r.dosing.created_at,
                recorded_by=nurse,
                phase="monitoring",
                heart_rate=70 + i % 9,
            )
            for i in range(n)
        ]
    )


# --- every write path moves the revision on, in its own transaction ------------------------------------


def test_every_write_to_the_record_or_the_session_moves_the_revision_on(personas, ready, clock) -> None:
    p = personas
    r = ready(route="iv")
    steps = []

    def step(name, fn):
        before = session_revision(r.session.pk)
        result = fn()
        assert session_revision(r.session.pk) > before, f"{name} did not move the revision on"
        steps.append(name)
        return result

    step("plan", lambda: dosing_plan_update(actor=p.nurse, dosing=r.dosing, medication="racemic_ketamine", route="iv"))
    step("confirm", lambda: dosing_confirm(actor=p.nurse, dosing=r.dosing, item="fasting"))
    dose = step("administer", lambda: give(p, r))  # also moves the session to "in progress"
    high = step("vitals", lambda: vitals_record(actor=p.nurse, dosing=r.dosing, systolic=185, diastolic=95))
    step("acknowledge", lambda: vitals_alert_acknowledge(actor=p.prescriber, reading=high, note="Rechecked"))
    step("void vitals", lambda: vitals_void(actor=p.nurse, reading=high, reason="Cuff too small"))
    step("observe", lambda: observation_record(actor=p.therapist, dosing=r.dosing, moaas=4))
    step(
        "adverse event",
        lambda: adverse_event_record(
            actor=p.nurse, dosing=r.dosing, code="nausea", severity="mild", intervention="reassurance"
        ),
    )
    clock.advance(minutes=40)
    step("end dose", lambda: administration_end(actor=p.nurse, administration=dose))
    clock.advance(minutes=61)
    from tests.sessions_app.clinical import helpers

    step("vitals after", lambda: helpers.full_vitals(p, r.dosing))
    step(
        "discharge",
        lambda: discharge_record(
            actor=p.nurse,
            dosing=r.dosing,
            escort_confirmed=True,
            escort_name="Sam Ellis",
            instructions_given=True,
            aldrete_activity=2,
            aldrete_respiration=2,
            aldrete_circulation=2,
            aldrete_consciousness=2,
            aldrete_spo2=2,
        ),
    )
    r.dosing.refresh_from_db()
    step("sign", lambda: notes.record_sign(actor=p.prescriber, record=r.dosing, password=DEMO_PASSWORD))
    r.dosing.refresh_from_db()
    step("addendum after signing", lambda: notes.addendum_add(actor=p.nurse, record=r.dosing, reason="Late", body="x"))
    kinds = set(LiveChange.objects.filter(session=r.session).values_list("kind", flat=True))
    assert {"session", "record", "vitals", "administration", "observation", "adverse_event", "discharge"} <= kinds
    assert {"addendum"} <= kinds


def test_voiding_a_dose_moves_the_revision_on(personas, ready) -> None:
    r = ready()
    dose = give(personas, r)
    before = session_revision(r.session.pk)
    administration_void(actor=personas.prescriber, administration=dose, reason="Wrong patient")
    assert session_revision(r.session.pk) == before + 1
    change = LiveChange.objects.get(session=r.session, revision=before + 1)
    assert (change.kind, change.object_id, change.action) == ("administration", dose.public_id, "dosing.dose_voided")


def test_a_refused_write_leaves_the_revision_where_it_was(personas, ready) -> None:
    r = ready()
    before = session_revision(r.session.pk)
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal
        vitals_record(actor=personas.nurse, dosing=r.dosing, systolic=300, diastolic=90)
    assert session_revision(r.session.pk) == before


# --- the poll ---------------------------------------------------------------------------------------


def test_the_poll_answers_204_while_nothing_changed_and_the_fragments_after_a_change(
    personas, ready, client_for
) -> None:
    r = ready()
    client = client_for(personas.prescriber)
    page = client.get(reverse("sessions_app:dosing", kwargs={"public_id": r.session.public_id})).content.decode()
    revision = session_revision(r.session.pk)
    assert f'data-revision="{revision}"' in page and 'id="dosing-live"' in page
    response = client.get(live_url(r, revision), **POLL)
    assert response.status_code == 204 and response.content == b""
    vitals_record(actor=personas.nurse, dosing=r.dosing, systolic=131, diastolic=83, heart_rate=77)
    response = client.get(live_url(r, revision), **POLL)
    assert response.status_code == 200
    assert response["X-KAP-Revision"] == str(revision + 1)
    html = response.content.decode()
    assert 'id="dosing-board"' in html and 'id="dosing-status"' in html and "<html" not in html
    assert "131/83" in html and f'data-revision="{revision + 1}"' in html


def test_the_poll_does_not_count_as_activity_for_the_idle_timeout(personas, ready, client_for) -> None:
    r = ready()
    client = client_for(personas.nurse)
    client.get(reverse("sessions_app:dosing", kwargs={"public_id": r.session.public_id}))
    seen = client.session[SESSION_KEY]
    client.get(live_url(r, 0), **POLL)
    assert client.session[SESSION_KEY] == seen


@pytest.mark.parametrize(
    ("who", "status"),
    [("outsider", 404), ("patient_user", 403), ("admin", 403), ("other_patient_user", 403)],
)
def test_the_poll_refuses_anyone_without_access_to_the_record(personas, ready, client_for, who, status) -> None:
    r = ready()
    assert client_for(personas.user(who)).get(live_url(r, 0), **POLL).status_code == status


def test_the_poll_sends_an_anonymous_visitor_to_sign_in(ready, client_for) -> None:
    r = ready()
    response = client_for(None).get(live_url(r, 0), **POLL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- query budgets ----------------------------------------------------------------------------------


def test_no_change_costs_at_most_two_queries_with_cached_sessions(
    personas, ready, client, settings, django_assert_max_num_queries
) -> None:
    """The user row and the revision (with the care-team rule); the session comes from the cache."""
    settings.SESSION_ENGINE = CACHED_DB
    r = ready()
    client.force_login(personas.nurse)
    revision = session_revision(r.session.pk)
    client.get(live_url(r, revision), **POLL)  # the first request after login
    with django_assert_max_num_queries(2):
        response = client.get(live_url(r, revision), **POLL)
    assert response.status_code == 204


CHANGE_BUDGET = 32  # the board and the status strip re-rendered, as the dosing page's own budget


def test_a_change_costs_the_same_queries_with_10_or_100_readings(
    personas, ready, client_for, django_assert_max_num_queries
) -> None:
    r = ready()
    give(personas, r)
    client = client_for(personas.nurse)
    client.get(live_url(r, 0), **POLL)  # warm what a process caches once (thresholds, content types)
    counts = {}
    for total in (10, 100):
        _many_vitals(r, personas.nurse, total - VitalsReading.objects.filter(dosing=r.dosing).count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(live_url(r, 0), **POLL)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="vitals-row"') == total
        counts[total] = len(queries.captured_queries)
    assert counts[10] == counts[100], counts
    with django_assert_max_num_queries(CHANGE_BUDGET):
        client.get(live_url(r, 0), **POLL)
