"""The booked window: check-in on the booked day from two hours (a clinical setting) before the
start, completion of preparation and integration not before the start; a prescriber's override
with a reason, audited; the session page and the API call the same rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError
from sessions_app.common.inputs import GateRefused
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.sessions import session_transition, session_walk
from sessions_app.scheduling.services.window import window_refusal
from tests.sessions_app.conftest import MONDAY, NY, at

pytestmark = pytest.mark.django_db

CHECK_IN = Session.Status.CHECKED_IN


def confirmed(personas, book, starts_at: dt.datetime, **kw) -> Session:
    session = book(starts_at, **kw)
    return session_transition(actor=personas.admin, session=session, to_status=Session.Status.CONFIRMED)


def test_checking_in_more_than_two_hours_early_is_refused_naming_the_booked_time(frozen, personas, book) -> None:
    session = confirmed(personas, book, at(MONDAY, 14, 30))
    frozen.move_to(at(MONDAY, 12, 29), tick=False)
    with pytest.raises(GateRefused) as exc:
        session_transition(actor=personas.admin, session=session, to_status=CHECK_IN)
    assert exc.value.code == "outside_booked_window"
    assert exc.value.field == "override_reason"
    assert exc.value.message.startswith("Booked for 14:30 on 2 Mar; check-in opens at 12:30.")
    session.refresh_from_db()
    assert session.status == Session.Status.CONFIRMED and session.checked_in_at is None
    frozen.move_to(at(MONDAY, 12, 30), tick=False)
    session = session_transition(actor=personas.admin, session=session, to_status=CHECK_IN)
    assert session.checked_in_at == at(MONDAY, 12, 30)


def test_checking_in_on_another_day_than_the_booking_is_refused(frozen, personas, book) -> None:
    session = confirmed(personas, book, at(MONDAY, 9))
    with pytest.raises(GateRefused) as exc:  # Friday before
        session_transition(actor=personas.admin, session=session, to_status=CHECK_IN)
    assert exc.value.message.startswith("Booked for 09:00 on 2 Mar; check-in opens at 07:00 on 2 Mar.")
    frozen.move_to(at(MONDAY + dt.timedelta(days=1), 8), tick=False)
    with pytest.raises(GateRefused) as exc:  # Tuesday after
        session_transition(actor=personas.admin, session=session, to_status=CHECK_IN)
    assert exc.value.message.startswith("Booked for 09:00 on 2 Mar; check-in closed at the end of that day.")


def test_a_prescriber_overrides_the_window_with_a_reason_and_it_is_audited(frozen, personas, book) -> None:
    session = confirmed(personas, book, at(MONDAY, 9))
    session = session_transition(
        actor=personas.prescriber, session=session, to_status=CHECK_IN, override_reason="Seen early by arrangement"
    )
    assert session.status == CHECK_IN
    session.refresh_from_db()
    assert session.window_override_by == personas.prescriber
    assert session.window_override_reason == "Seen early by arrangement"
    event = AuditEvent.objects.get(action="session.window_overridden")
    assert event.actor == personas.prescriber
    assert event.changed_fields == ["window_override_reason"]


def test_a_nurse_cannot_override_and_a_prescriber_needs_a_reason(frozen, personas, book) -> None:
    session = confirmed(personas, book, at(MONDAY, 9), additional_staff=[personas.nurse])
    with pytest.raises(PermissionDeniedError, match="Only a prescriber may override the booked time"):
        session_transition(actor=personas.nurse, session=session, to_status=CHECK_IN, override_reason="Early")
    with pytest.raises(GateRefused):
        session_transition(actor=personas.prescriber, session=session, to_status=CHECK_IN, override_reason="   ")
    session.refresh_from_db()
    assert session.status == Session.Status.CONFIRMED and session.window_override_by is None
    assert not AuditEvent.objects.filter(action="session.window_overridden").exists()


def test_moving_the_session_is_the_other_way_in(frozen, personas, book) -> None:
    from sessions_app.scheduling.services.sessions import session_reschedule

    session = book(at(MONDAY, 9))
    frozen.move_to(dt.datetime(2026, 2, 27, 14, 0, tzinfo=NY), tick=False)
    session = session_reschedule(
        actor=personas.admin, session=session, starts_at=dt.datetime(2026, 2, 27, 15, 0, tzinfo=NY)
    )
    session = session_walk(actor=personas.admin, session=session, to_status=CHECK_IN)
    assert session.status == CHECK_IN


def test_the_window_counts_real_minutes_across_the_spring_daylight_saving_change(frozen, personas) -> None:
    # Sunday 2026-03-08 03:30 EDT is two real hours after 00:30 EST (the clocks skip 02:00-03:00).
    session = Session(starts_at=dt.datetime(2026, 3, 8, 3, 30, tzinfo=NY))
    assert window_refusal(session, at=dt.datetime(2026, 3, 8, 0, 29, tzinfo=NY)).startswith(
        "Booked for 03:30 on 8 Mar; check-in opens at 00:30."
    )
    assert window_refusal(session, at=dt.datetime(2026, 3, 8, 0, 30, tzinfo=NY)) is None
    # A session just after midnight opens at midnight: never on the day before.
    night = Session(starts_at=dt.datetime(2026, 3, 3, 0, 45, tzinfo=NY))
    assert "opens at 00:00 on 3 Mar" in window_refusal(night, at=dt.datetime(2026, 3, 2, 23, 30, tzinfo=NY))


def test_a_preparation_session_is_not_completed_before_it_starts(frozen, personas, book) -> None:
    session = confirmed(personas, book, at(MONDAY, 9), kind="preparation", lead_clinician=personas.therapist)
    frozen.move_to(at(MONDAY, 8, 30), tick=False)
    session = session_walk(actor=personas.therapist, session=session, to_status=Session.Status.IN_PROGRESS)
    with pytest.raises(GateRefused) as exc:
        session_transition(actor=personas.therapist, session=session, to_status=Session.Status.COMPLETED)
    assert exc.value.code == "session_not_started"
    assert "Booked for 09:00 on 2 Mar; it can be completed once it has started (09:00)." in exc.value.message
    frozen.move_to(at(MONDAY, 9, 50), tick=False)
    session = session_transition(actor=personas.therapist, session=session, to_status=Session.Status.COMPLETED)
    assert session.status == Session.Status.COMPLETED


def test_the_session_page_and_the_api_refuse_and_override_the_same_way(frozen, personas, book, client_for, api_for):
    session = confirmed(personas, book, at(MONDAY, 9))
    detail = reverse("sessions_app:session_detail", kwargs={"public_id": session.public_id})
    html = client_for(personas.prescriber).get(detail).content.decode()
    assert 'data-testid="check-in-window"' in html and "Booked for 09:00 on 2 Mar" in html
    assert 'name="override_reason"' in html
    status_url = reverse("sessions_app:session_status", kwargs={"public_id": session.public_id})
    response = client_for(personas.admin).post(status_url, {"status": "checked_in"}, follow=True)
    assert "Booked for 09:00 on 2 Mar; check-in opens at 07:00 on 2 Mar." in response.content.decode()
    api_url = reverse("api:session_status", kwargs={"public_id": session.public_id})
    response = api_for(personas.admin).post(api_url, {"status": "checked_in"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "outside_booked_window"
    assert response.json()["error"]["field"] == "override_reason"
    response = api_for(personas.admin).post(api_url, {"status": "checked_in", "override_reason": "x"}, format="json")
    assert response.status_code == 403
    response = api_for(personas.prescriber).post(
        api_url, {"status": "checked_in", "override_reason": "Arrived early"}, format="json"
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == CHECK_IN and session.window_override_reason == "Arrived early"


def test_the_session_page_offers_start_and_complete_only_where_no_record_drives_them(frozen, personas, book) -> None:
    from sessions_app.scheduling.views.sessions import next_steps

    frozen.move_to(at(MONDAY, 8, 30), tick=False)
    consult = session_walk(actor=personas.prescriber, session=book(at(MONDAY, 9)), to_status=CHECK_IN)
    prep = session_walk(
        actor=personas.therapist,
        session=book(at(MONDAY, 11), kind="preparation", lead_clinician=personas.therapist),
        to_status=Session.Status.CONFIRMED,
    )
    assert [s for s, _ in next_steps(consult, personas.prescriber)] == [Session.Status.IN_PROGRESS]
    assert [s for s, _ in next_steps(prep, personas.therapist)] == [CHECK_IN]
