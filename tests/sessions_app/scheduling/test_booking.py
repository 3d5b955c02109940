"""Booking rules of the scheduling service: no double booking, staffing, hours, overrides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from patients.models import Patient
from sessions_app.scheduling.models import MAX_SESSION_MINUTES, Session
from sessions_app.scheduling.selectors import calendar_sessions
from sessions_app.scheduling.services import rules
from sessions_app.scheduling.services import sessions as scheduling
from sessions_app.scheduling.services.rules import OutsideWorkingHours, SlotUnavailable
from sessions_app.scheduling.services.sessions import session_cancel, session_schedule
from tests.sessions_app.conftest import MONDAY, at
from tests.sessions_app.factories import ResourceBookingFactory, TimeOffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_patient(personas):
    # Another demo patient on the same care team (prescriber, nurse, therapist).
    return Patient.objects.get(legal_first_name="Morgan", legal_last_name="Reyes")


def test_a_session_takes_its_types_default_duration_and_the_booking_is_audited(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9), kind="dosing")
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=120)
    assert session.status == Session.Status.SCHEDULED
    kinds = set(session.bookings.values_list("resource_kind", flat=True))
    assert kinds == {"clinician", "room", "patient"}
    assert session.bookings.count() == 4  # prescriber, therapist, room, patient
    event = AuditEvent.objects.get(action="session.scheduled")
    assert event.patient_public_id == personas.demo_patient.public_id
    assert event.target_public_id == str(session.public_id)


def test_a_clinician_cannot_be_in_two_overlapping_sessions(frozen, personas, clinic, book, second_patient) -> None:
    book(at(MONDAY, 9))
    with pytest.raises(SlotUnavailable) as exc:
        book(at(MONDAY, 9, 30), patient=second_patient, room=clinic.dosing_room_2)
    assert "Dr. Priya Raman is already booked" in exc.value.message
    assert "09:00–10:00" in exc.value.message
    assert exc.value.field == "lead_clinician"
    assert exc.value.status == 409


def test_additional_staff_are_protected_from_double_booking_too(frozen, personas, clinic, book, second_patient) -> None:
    book(at(MONDAY, 9), kind="dosing")  # therapist is additional staff
    with pytest.raises(SlotUnavailable) as exc:
        book(at(MONDAY, 10), patient=second_patient, lead_clinician=personas.therapist, room=clinic.consult_room)
    assert "Tessa Kline is already booked" in exc.value.message


def test_a_room_cannot_hold_two_overlapping_sessions(frozen, personas, clinic, book, second_patient) -> None:
    book(at(MONDAY, 9))
    with pytest.raises(SlotUnavailable) as exc:
        book(at(MONDAY, 9, 45), patient=second_patient, lead_clinician=personas.nurse)
    assert exc.value.message.startswith("Room Consult 1 is already booked")
    assert exc.value.field == "room"


def test_a_patient_cannot_be_in_two_overlapping_sessions(frozen, personas, clinic, book) -> None:
    book(at(MONDAY, 9))
    with pytest.raises(SlotUnavailable) as exc:
        book(at(MONDAY, 9, 30), lead_clinician=personas.therapist, room=clinic.dosing_room_2)
    assert exc.value.message.startswith("The patient already has a consultation session")


def test_back_to_back_sessions_do_not_clash(frozen, personas, book) -> None:
    book(at(MONDAY, 9))
    book(at(MONDAY, 10))
    assert Session.objects.count() == 2


def test_a_cancelled_session_frees_its_slot(frozen, personas, book) -> None:
    first = book(at(MONDAY, 9))
    session_cancel(actor=personas.admin, session=first, reason="Patient unwell")
    second = book(at(MONDAY, 9))
    assert second.pk != first.pk
    assert not first.bookings.filter(active=True).exists()


def test_the_database_refuses_an_overlap_that_slips_past_the_service_check(
    frozen, personas, clinic, book, second_patient, monkeypatch
) -> None:
    """What a race looks like: the check saw nothing, the constraint (or trigger) still refuses."""
    book(at(MONDAY, 9))
    real = rules.find_clashes
    calls = {"n": 0}

    def blind_first_time(*args, **kwargs):
        calls["n"] += 1
        return [] if calls["n"] == 1 else real(*args, **kwargs)

    monkeypatch.setattr(rules, "find_clashes", blind_first_time)
    with pytest.raises(SlotUnavailable) as exc:
        book(at(MONDAY, 9, 30), patient=second_patient, room=clinic.dosing_room_2)
    assert "Dr. Priya Raman is already booked" in exc.value.message
    assert Session.objects.count() == 1  # nothing half-saved


def test_overlapping_active_bookings_are_refused_by_the_database_itself(frozen, personas, clinic, book) -> None:
    session = book(at(MONDAY, 9))
    booking = session.bookings.get(resource_kind="room")
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        ResourceBookingFactory(
            session=book(at(MONDAY, 14), room=clinic.dosing_room_2),
            resource_id=booking.resource_id,
            starts_at=at(MONDAY, 9, 30),
            ends_at=at(MONDAY, 10, 30),
        )
    # Inactive (cancelled) bookings may overlap.
    ResourceBookingFactory(
        session=book(at(MONDAY, 15), room=clinic.dosing_room_2),
        resource_id=booking.resource_id,
        starts_at=at(MONDAY, 9, 30),
        ends_at=at(MONDAY, 10, 30),
        active=False,
    )


def test_dosing_needs_a_dosing_room_a_prescriber_or_nurse_and_a_therapist(frozen, personas, clinic, book) -> None:
    with pytest.raises(ValidationFailed, match="dosing-equipped room") as exc:
        book(at(MONDAY, 9), kind="dosing", room=clinic.consult_room)
    assert exc.value.field == "room"
    with pytest.raises(ValidationFailed, match="needs a therapist"):
        book(at(MONDAY, 9), kind="dosing", additional_staff=[])
    with pytest.raises(ValidationFailed, match="prescriber or a nurse"):
        book(at(MONDAY, 9), kind="dosing", lead_clinician=personas.therapist, additional_staff=[])
    session = book(at(MONDAY, 9), kind="dosing", lead_clinician=personas.nurse)
    assert session.lead_clinician == personas.nurse


def test_every_clinician_on_a_session_must_be_on_the_patients_care_team(frozen, personas, book) -> None:
    with pytest.raises(ValidationFailed, match=r"Dr\. Owen Price is not on this patient's care team"):
        book(at(MONDAY, 9), lead_clinician=personas.outsider)


def test_the_outsider_cannot_book_for_a_patient_outside_their_care_team(frozen, personas, book) -> None:
    with pytest.raises(PermissionDeniedError):
        book(at(MONDAY, 9), actor=personas.outsider)


def test_booking_in_the_past_is_refused(frozen, personas, book) -> None:
    with pytest.raises(ValidationFailed, match="in the past"):
        book(at(MONDAY - dt.timedelta(days=7), 9))


def test_outside_working_hours_needs_an_admin_override_with_a_reason(frozen, personas, book) -> None:
    evening = at(MONDAY, 18, 30)
    with pytest.raises(OutsideWorkingHours, match=r"Dr\. Priya Raman does not work Monday 18:30–19:30"):
        book(evening)
    with pytest.raises(PermissionDeniedError):
        book(evening, actor=personas.prescriber, override_hours=True, override_reason="Urgent")
    with pytest.raises(ValidationFailed) as exc:
        book(evening, override_hours=True, override_reason=" ")
    assert exc.value.field == "override_reason"
    session = book(evening, override_hours=True, override_reason="Only evening slot before travel")
    assert session.hours_override_by == personas.admin
    assert AuditEvent.objects.filter(
        action="session.hours_overridden", target_public_id=str(session.public_id)
    ).exists()


def test_a_weekend_booking_is_outside_hours(frozen, personas, book) -> None:
    with pytest.raises(OutsideWorkingHours, match="does not work Saturday"):
        book(at(MONDAY + dt.timedelta(days=5), 10))


def test_time_off_blocks_booking(frozen, personas, book) -> None:
    TimeOffFactory(clinician=personas.prescriber, starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 17), reason="Conference")
    with pytest.raises(OutsideWorkingHours, match=r"Dr\. Priya Raman has time off then"):
        book(at(MONDAY, 13))
    book(at(MONDAY, 9))


def test_a_session_ends_after_it_starts(frozen, personas, book) -> None:
    with pytest.raises(ValidationFailed) as exc:
        book(at(MONDAY, 9), ends_at=at(MONDAY, 9))
    assert exc.value.field == "ends_at"


def test_an_integration_session_must_start_after_the_dosing_it_follows(frozen, personas, clinic, book) -> None:
    dose = book(at(MONDAY, 9), kind="dosing")
    with pytest.raises(ValidationFailed, match="after its dosing session ends"):
        book(at(MONDAY, 10), kind="integration", lead_clinician=personas.therapist, follows=dose)
    integration = book(
        at(MONDAY + dt.timedelta(days=1), 10), kind="integration", lead_clinician=personas.therapist, follows=dose
    )
    assert integration.follows == dose


def test_session_schedule_refuses_patients_and_anonymous_users(frozen, personas, book) -> None:
    with pytest.raises(PermissionDeniedError):
        book(at(MONDAY, 9), actor=personas.patient_user)
    assert session_schedule is scheduling.session_schedule


def test_a_session_longer_than_the_limit_is_refused_by_the_database_itself(frozen, personas, clinic, book) -> None:
    """Range searches bound the start by MAX_SESSION_MINUTES; the database keeps that bound true."""
    session = book(at(MONDAY, 9))
    too_long = session.starts_at + dt.timedelta(minutes=MAX_SESSION_MINUTES + 1)
    with pytest.raises(IntegrityError, match="session_span_limit"), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(ends_at=too_long)
    Session.objects.filter(pk=session.pk).update(ends_at=session.starts_at + dt.timedelta(minutes=MAX_SESSION_MINUTES))
    session.refresh_from_db()
    # The longest allowed session is still found by a search that starts just before it ends.
    found = calendar_sessions(
        user=personas.admin,
        start=session.ends_at - dt.timedelta(minutes=1),
        end=session.ends_at,
        include_cancelled=True,
    )
    assert list(found) == [session]
