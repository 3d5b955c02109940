"""Access rules for scheduling: calendars, sessions, courses, set-up, feeds, portal and API.

Care team (prescriber, nurse, therapist) and admins reach the demo patient's sessions; the
outsider gets 404 for them; patients never reach staff pages (403) and see their own sessions
only through the portal and read-only API.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.matrix import Case

STAFF_OK = {
    "admin": 200,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}
TEAM_ONLY = {**STAFF_OK, "outsider": 404}
ADMIN_ONLY = {**{k: 403 for k in STAFF_OK}, "admin": 200}
CLINICIANS_ONLY = {**STAFF_OK, "admin": 403}
ALL_404 = dict.fromkeys(
    ["anonymous", "admin", "prescriber", "nurse", "therapist", "outsider", "patient_user", "other_patient_user"], 404
)
EVERYONE_200 = dict.fromkeys(ALL_404, 200)


def _next_tuesday() -> dt.date:
    from kap_clinic.common import clock

    today = clock.local_today()
    return today + dt.timedelta(days=7 - today.weekday() + 1)


def _clinic(p):
    from tests.sessions_app.conftest import make_clinic

    return make_clinic([p.prescriber, p.nurse, p.therapist, p.outsider])


def _at(day: dt.date, hour: int) -> dt.datetime:
    from kap_clinic.common import clock

    return clock.combine(day, dt.time(hour))


def _session(p):
    from sessions_app.scheduling.models import Session
    from sessions_app.scheduling.services.sessions import session_schedule

    existing = Session.objects.filter(patient=p.demo_patient).first()
    if existing:
        return existing
    clinic = _clinic(p)
    return session_schedule(
        actor=p.admin,
        patient=p.demo_patient,
        kind="consultation",
        starts_at=_at(_next_tuesday(), 10),
        lead_clinician=p.prescriber,
        room=clinic.consult_room,
    )


def session_kwargs(p):
    return {"public_id": _session(p).public_id}


def patient_kwargs(p):
    return {"patient_id": p.demo_patient.public_id}


def course_kwargs(p):
    from tests.sessions_app.factories import TreatmentCourseFactory

    session = _session(p)
    course = TreatmentCourseFactory(
        patient=p.demo_patient, medical_clinician=p.prescriber, therapist=p.therapist, created_by=p.admin
    )
    session.course = course
    session.save(update_fields=["course"])
    return {"public_id": course.public_id}


def room_kwargs(p):
    return {"public_id": _clinic(p).consult_room.public_id}


def clinician_kwargs(p):
    _clinic(p)
    return {"public_id": p.nurse.public_id}


def time_off_kwargs(p):
    from tests.sessions_app.factories import TimeOffFactory

    off = TimeOffFactory(
        clinician=p.nurse,
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=4),
    )
    return {"public_id": off.public_id}


def feed_kwargs(p):
    from sessions_app.scheduling.services.clinic import calendar_feed_create

    _session(p)
    _, token = calendar_feed_create(actor=p.prescriber)
    return {"token": token}


def booking_data(p):
    clinic = _clinic(p)
    return {
        "patient": str(p.demo_patient.public_id),
        "kind": "consultation",
        "starts_at": _at(_next_tuesday(), 14).isoformat(),
        "lead_clinician": str(p.prescriber.public_id),
        "room": str(clinic.consult_room.public_id),
    }


def course_data(p):
    _clinic(p)
    return {
        "patient": str(p.demo_patient.public_id),
        "start_date": (_next_tuesday() + dt.timedelta(days=6)).isoformat(),
        "medical_clinician": str(p.prescriber.public_id),
        "therapist": str(p.therapist.public_id),
        "dosing_count": 2,
    }


WRITE_TEAM = {**TEAM_ONLY, "admin": 302, "prescriber": 302, "nurse": 302, "therapist": 302}
API_TEAM_WRITE = {**TEAM_ONLY, "patient_user": 403, "other_patient_user": 403}

CASES = [
    # Calendars and today
    Case("sessions_app:calendar", STAFF_OK),
    Case("sessions_app:calendar_events", STAFF_OK),
    Case("sessions_app:today", STAFF_OK),
    # One session
    Case("sessions_app:session_create", STAFF_OK),
    Case("sessions_app:session_detail", TEAM_ONLY, kwargs=session_kwargs),
    Case("sessions_app:session_edit", TEAM_ONLY, kwargs=session_kwargs),
    Case(
        "sessions_app:session_move",
        TEAM_ONLY,
        method="post",
        kwargs=session_kwargs,
        data=lambda p: {"start": _at(_next_tuesday(), 15).replace(tzinfo=None).isoformat()},
    ),
    Case(
        "sessions_app:session_move", {k: (405 if v == 200 else v) for k, v in STAFF_OK.items()}, kwargs=session_kwargs
    ),
    Case(
        "sessions_app:session_cancel", WRITE_TEAM, method="post", kwargs=session_kwargs, data=lambda p: {"reason": "x"}
    ),
    Case(
        "sessions_app:session_status",
        WRITE_TEAM,
        method="post",
        kwargs=session_kwargs,
        data=lambda p: {"status": "confirmed"},
    ),
    # Courses
    Case("sessions_app:course_plan", TEAM_ONLY, kwargs=patient_kwargs),
    Case("sessions_app:course_detail", TEAM_ONLY, kwargs=course_kwargs),
    # Clinic set-up (admins)
    Case("sessions_app:setup", ADMIN_ONLY),
    Case("sessions_app:location_create", ADMIN_ONLY),
    Case("sessions_app:room_create", ADMIN_ONLY),
    Case("sessions_app:room_edit", ADMIN_ONLY, kwargs=room_kwargs),
    Case("sessions_app:session_type_edit", ADMIN_ONLY, kwargs=lambda p: {"kind": "dosing"}),
    Case("sessions_app:working_hours", ADMIN_ONLY, kwargs=clinician_kwargs),
    Case("sessions_app:time_off_delete", {**ADMIN_ONLY, "admin": 302}, method="post", kwargs=time_off_kwargs),
    # Calendar feeds: managed by clinicians, read with the secret alone
    Case("sessions_app:feed_manage", CLINICIANS_ONLY),
    Case("sessions_app:feed", EVERYONE_200, kwargs=feed_kwargs),
    Case("sessions_app:feed", ALL_404, kwargs=lambda p: {"token": "not-a-real-token"}),
    # Portal
    Case("portal:sessions", {"patient_user": 200, "other_patient_user": 200}, default=403),
    # API
    Case("api:sessions", {}, api=True, default=200),
    Case(
        "api:sessions",
        {**TEAM_ONLY, "admin": 201, "prescriber": 201, "nurse": 201, "therapist": 201},
        method="post",
        api=True,
        data=booking_data,
    ),
    Case(
        "api:session_detail",
        {**TEAM_ONLY, "patient_user": 200, "other_patient_user": 404},
        api=True,
        kwargs=session_kwargs,
    ),
    Case(
        "api:session_detail",
        API_TEAM_WRITE,
        method="patch",
        api=True,
        kwargs=session_kwargs,
        data=lambda p: {"starts_at": _at(_next_tuesday(), 16).isoformat()},
    ),
    Case(
        "api:session_cancel",
        API_TEAM_WRITE,
        method="post",
        api=True,
        kwargs=session_kwargs,
        data=lambda p: {"reason": "x"},
    ),
    Case(
        "api:session_status",
        API_TEAM_WRITE,
        method="post",
        api=True,
        kwargs=session_kwargs,
        data=lambda p: {"status": "confirmed"},
    ),
    Case("api:rooms", STAFF_OK, api=True),
    Case("api:session_types", STAFF_OK, api=True),
    Case("api:availability", {k: (400 if v == 200 else v) for k, v in STAFF_OK.items()}, api=True),
    Case("api:course_propose", API_TEAM_WRITE, method="post", api=True, data=course_data),
    Case(
        "api:courses",
        {k: (400 if v == 200 else v) for k, v in STAFF_OK.items()},
        method="post",
        api=True,
        data=lambda p: {"patient": str(p.demo_patient.public_id)},
    ),
]
