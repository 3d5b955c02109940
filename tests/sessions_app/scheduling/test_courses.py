"""Treatment-course planning: proposals that dodge clashes, integration after dosing, RRULE, DST."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import ValidationFailed
from patients.models import Patient
from sessions_app.scheduling.models import Session, TreatmentCourse
from sessions_app.scheduling.services.courses import (
    ConfirmedItem,
    CourseRequest,
    course_confirm,
    course_propose,
    recurrence_occurrences,
)
from sessions_app.scheduling.services.rules import SlotUnavailable
from tests.sessions_app.conftest import MONDAY, NY, at
from tests.sessions_app.factories import TimeOffFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def course_request(personas, clinic):
    def make(**kw) -> CourseRequest:
        values = {
            "patient": personas.demo_patient,
            "start_date": MONDAY,
            "medical_clinician": personas.prescriber,
            "therapist": personas.therapist,
        }
        values.update(kw)
        return CourseRequest(**values)

    return make


def _by_kind(proposal, kind):
    return [s for s in proposal.sessions if s.kind == kind]


def _assert_well_ordered(proposal) -> None:
    doses, integrations = _by_kind(proposal, "dosing"), _by_kind(proposal, "integration")
    assert len(doses) == len(integrations)
    for dose, integ in zip(doses, integrations, strict=True):
        assert integ.follows_sequence == dose.sequence
        assert integ.starts_at >= dose.ends_at, f"integration {integ.sequence} before its dosing"
    for integ, next_dose in zip(integrations, doses[1:], strict=False):
        assert next_dose.starts_at > integ.ends_at
    spans = sorted((s.starts_at, s.ends_at) for s in proposal.sessions)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, "the proposal double-books the patient"


def test_a_clash_free_course_follows_the_weekly_rule_with_integration_the_next_day(
    frozen, personas, course_request
) -> None:
    proposal = course_propose(actor=personas.admin, request=course_request())
    prep = _by_kind(proposal, "preparation")
    assert [(s.starts_at, s.lead_clinician) for s in prep] == [(at(MONDAY, 10), personas.therapist)]
    doses = _by_kind(proposal, "dosing")
    assert [s.starts_at.astimezone(NY).date() for s in doses] == [
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 16),
        dt.date(2026, 3, 19),
        dt.date(2026, 3, 23),
    ]
    assert all(not s.moved for s in proposal.sessions)
    assert all(s.room is not None and s.room.dosing_equipped for s in doses)
    assert all(not s.room.dosing_equipped for s in _by_kind(proposal, "integration"))
    integ = _by_kind(proposal, "integration")
    assert [(i.starts_at - d.starts_at).days for d, i in zip(doses, integ, strict=True)] == [1] * 6
    assert proposal.recurrence == "DTSTART;TZID=America/New_York:20260305T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6"
    _assert_well_ordered(proposal)


def test_the_dosing_series_keeps_its_local_time_across_the_spring_dst_change(frozen, personas, course_request) -> None:
    doses = _by_kind(course_propose(actor=personas.admin, request=course_request()), "dosing")
    assert {d.starts_at.astimezone(NY).time() for d in doses} == {dt.time(9, 0)}
    # Same wall clock, different instants: 14:00 UTC before 8 March, 13:00 UTC after.
    assert doses[0].starts_at.astimezone(UTC).hour == 14
    assert doses[1].starts_at.astimezone(UTC).hour == 13


def test_the_stored_recurrence_keeps_its_local_time_across_the_autumn_dst_change(
    time_machine, personas, course_request
) -> None:
    time_machine.move_to(dt.datetime(2026, 10, 20, 12, tzinfo=NY), tick=False)
    request = course_request(
        start_date=dt.date(2026, 10, 26), dosing_weekdays=(3,), dosing_count=4, preparation_count=0
    )
    proposal = course_propose(actor=personas.admin, request=request)
    doses = _by_kind(proposal, "dosing")
    assert [d.starts_at.astimezone(NY) for d in doses] == [
        dt.datetime(2026, 10, 29, 9, tzinfo=NY),
        dt.datetime(2026, 11, 5, 9, tzinfo=NY),
        dt.datetime(2026, 11, 12, 9, tzinfo=NY),
        dt.datetime(2026, 11, 19, 9, tzinfo=NY),
    ]
    assert [d.starts_at.astimezone(UTC).hour for d in doses] == [13, 14, 14, 14]
    occurrences = recurrence_occurrences(proposal.recurrence)
    assert occurrences == [d.starts_at for d in doses]


def test_a_clash_pushes_the_dosing_to_the_next_free_slot_and_says_why(
    frozen, personas, clinic, book, course_request
) -> None:
    other = Patient.objects.get(legal_first_name="Morgan")
    book(at(dt.date(2026, 3, 9), 9), patient=other)  # the prescriber is busy 09:00–10:00 on Monday 9 March
    proposal = course_propose(actor=personas.admin, request=course_request())
    dose2 = _by_kind(proposal, "dosing")[1]
    assert dose2.moved
    assert dose2.wanted_at == at(dt.date(2026, 3, 9), 9)
    assert dose2.starts_at == at(dt.date(2026, 3, 9), 10)
    assert dose2.moved_because == "Dr. Priya Raman is booked 09:00–10:00 (consultation)"
    _assert_well_ordered(proposal)


def test_with_both_dosing_rooms_taken_the_dosing_moves_until_one_is_free(
    frozen, personas, clinic, book, course_request
) -> None:
    day = dt.date(2026, 3, 5)
    morgan = Patient.objects.get(legal_first_name="Morgan")
    samira = Patient.objects.get(legal_first_name="Samira")
    # Dosing A is taken 09:00–10:00 and Dosing B 10:00–11:00: no dosing room is free 09:00–11:00.
    book(at(day, 9), patient=morgan, lead_clinician=personas.nurse, room=clinic.dosing_room)
    book(at(day, 10), patient=samira, lead_clinician=personas.nurse, room=clinic.dosing_room_2)
    proposal = course_propose(actor=personas.admin, request=course_request())
    dose1 = _by_kind(proposal, "dosing")[0]
    assert dose1.moved_because == "no dosing-equipped room is free"
    assert (dose1.starts_at, dose1.room) == (at(day, 10), clinic.dosing_room)
    _assert_well_ordered(proposal)


def test_integration_pushed_out_of_its_window_is_flagged_and_the_next_dosing_waits(
    frozen, personas, clinic, course_request
) -> None:
    # The therapist is away Friday 6 March: integration 1 cannot be the day after dosing 1.
    TimeOffFactory(
        clinician=personas.therapist, starts_at=at(dt.date(2026, 3, 6), 0), ends_at=at(dt.date(2026, 3, 7), 0)
    )
    proposal = course_propose(actor=personas.admin, request=course_request())
    _dose1, dose2 = _by_kind(proposal, "dosing")[:2]
    integ1 = _by_kind(proposal, "integration")[0]
    assert integ1.moved_because == "Tessa Kline has time off then"
    assert integ1.starts_at == at(dt.date(2026, 3, 9), 8)  # Monday, the first working slot
    assert "No free slot within the window" in integ1.warning
    assert dose2.starts_at.astimezone(NY).date() == dt.date(2026, 3, 10)  # waits for integration 1
    assert dose2.moved_because == "it waits for the previous integration session"
    _assert_well_ordered(proposal)


def _confirm_items(proposal):
    return [
        ConfirmedItem(kind=s.kind, sequence=s.sequence, starts_at=s.starts_at, room=s.room) for s in proposal.sessions
    ]


def test_confirming_books_every_session_links_integration_to_dosing_and_stores_the_rrule(
    frozen, personas, course_request
) -> None:
    request = course_request()
    proposal = course_propose(actor=personas.admin, request=request)
    course = course_confirm(actor=personas.admin, request=request, items=_confirm_items(proposal))
    assert course.recurrence.endswith("RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6")
    sessions = list(course.sessions.order_by("starts_at"))
    assert len(sessions) == 13
    for integ in (s for s in sessions if s.kind == "integration"):
        assert integ.follows.kind == "dosing"
        assert integ.follows.course_sequence == integ.course_sequence
        assert integ.starts_at >= integ.follows.ends_at
    assert AuditEvent.objects.filter(
        action="course.planned", patient_public_id=personas.demo_patient.public_id
    ).exists()
    assert AuditEvent.objects.filter(action="session.scheduled").count() == 13


def test_the_admin_can_adjust_a_slot_before_confirming(frozen, personas, course_request) -> None:
    request = course_request()
    items = _confirm_items(course_propose(actor=personas.admin, request=request))
    dose1 = next(i for i in items if i.kind == "dosing" and i.sequence == 1)
    items[items.index(dose1)] = ConfirmedItem("dosing", 1, at(dt.date(2026, 3, 5), 13), dose1.room)
    course = course_confirm(actor=personas.admin, request=request, items=items)
    assert course.sessions.get(kind="dosing", course_sequence=1).starts_at == at(dt.date(2026, 3, 5), 13)


def test_an_adjustment_that_puts_integration_before_its_dosing_is_refused(frozen, personas, course_request) -> None:
    request = course_request()
    items = _confirm_items(course_propose(actor=personas.admin, request=request))
    integ1 = next(i for i in items if i.kind == "integration" and i.sequence == 1)
    items[items.index(integ1)] = ConfirmedItem("integration", 1, at(dt.date(2026, 3, 4), 10), integ1.room)
    with pytest.raises(ValidationFailed, match="Integration 1 must come after dosing 1"):
        course_confirm(actor=personas.admin, request=request, items=items)
    assert not Session.objects.exists()
    assert not TreatmentCourse.objects.exists()


def test_a_clash_that_appears_between_proposal_and_confirmation_refuses_the_whole_course(
    frozen, personas, clinic, book, course_request
) -> None:
    request = course_request()
    proposal = course_propose(actor=personas.admin, request=request)
    dose3 = _by_kind(proposal, "dosing")[2]
    other = Patient.objects.get(legal_first_name="Morgan")
    book(dose3.starts_at, patient=other, lead_clinician=personas.nurse, room=dose3.room)  # someone takes the room
    with pytest.raises(SlotUnavailable) as exc:
        course_confirm(actor=personas.admin, request=request, items=_confirm_items(proposal))
    assert exc.value.message.startswith("Dosing 3: Room Dosing A is already booked")
    assert exc.value.field.startswith("items.")
    assert Session.objects.filter(patient=personas.demo_patient).count() == 0
    assert not TreatmentCourse.objects.exists()


def test_a_course_cannot_start_in_the_past_or_without_a_medical_lead(frozen, personas, course_request) -> None:
    with pytest.raises(ValidationFailed) as exc:
        course_propose(actor=personas.admin, request=course_request(start_date=dt.date(2026, 2, 1)))
    assert exc.value.field == "start_date"
    with pytest.raises(ValidationFailed) as exc:
        course_propose(actor=personas.admin, request=course_request(medical_clinician=personas.therapist))
    assert exc.value.field == "medical_clinician"
