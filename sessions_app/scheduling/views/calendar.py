"""Calendars: the week calendar, its events feed and drag-and-drop moves, and a clinician's day.

A domain error becomes a JSON error body on the drag-and-drop endpoint.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, STAFF, role_required, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.api import error_body
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from sessions_app.scheduling import selectors
from sessions_app.scheduling.calendar import event, events, visible_hours
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.sessions import session_reschedule
from sessions_app.scheduling.views.common import clinician_param, room_param, url_for_each
from sessions_app.scheduling.views.sessions import next_steps


@role_required(STAFF)
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Week and day views by clinician or by room (FullCalendar, fed by ``calendar_events``)."""
    clinician, room = clinician_param(request), room_param(request)
    if user_has_role(request.user, CLINICIAN) and clinician is None and room is None:
        clinician = request.user
    initial_date = request.GET.get("date") or clock.local_today().isoformat()
    context = {
        "clinicians": selectors.active_clinicians(),
        "rooms": selectors.active_rooms(),
        "clinician": clinician,
        "room": room,
        "initial_view": "timeGridDay" if request.GET.get("view") == "day" else "timeGridWeek",
        "initial_date": initial_date,
        "session_types": selectors.session_type_map().values(),
        "statuses": Session.Status.choices,
    }
    return render(request, "sessions_app/calendar.html", context)


@role_required(STAFF)
@require_GET
def calendar_events(request: HttpRequest) -> JsonResponse:
    """FullCalendar's event feed: sessions between ``start`` and ``end`` (clinic wall-clock times).

    ``X-Calendar-Slot-Min``/``-Max`` name the hours the grid must show for them (calendar.js applies them).
    """
    week_start = clock.local_today() - dt.timedelta(days=clock.local_today().weekday())
    try:
        start = clock.parse_datetime(request.GET.get("start") or week_start.isoformat(), field="start")
        end = clock.parse_datetime(
            request.GET.get("end") or (week_start + dt.timedelta(days=7)).isoformat(), field="end"
        )
    except ValidationFailed as exc:
        return JsonResponse(error_body(code=exc.code, message=exc.message, field=exc.field), status=400)
    if end <= start or end - start > dt.timedelta(days=43):
        return JsonResponse(error_body(code="invalid", message="Ask for at most six weeks.", field="end"), status=400)
    sessions = selectors.calendar_sessions(
        user=request.user,
        start=start,
        end=end,
        clinician=clinician_param(request),
        room=room_param(request),
        include_cancelled=request.GET.get("cancelled") == "1",
        prefetch_staff=False,
    )
    payload = events(sessions, user=request.user)
    audit_record(actor=request.user, action="session.listed", target_type="sessions_app.session")
    response = JsonResponse(payload, safe=False)
    # The hours ride in headers so the body stays the plain event list FullCalendar reads.
    response["X-Calendar-Slot-Min"], response["X-Calendar-Slot-Max"] = visible_hours(payload)
    return response


@role_required(STAFF)
@require_POST
def session_move(request: HttpRequest, public_id: str) -> JsonResponse:
    """Drag or resize on the calendar: the same service and rules as the edit form.

    After an ``outside_working_hours`` refusal the calendar lets a practice admin send the same
    move again with ``override_hours`` and ``override_reason`` (the service checks both).
    """
    session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
    try:
        payload = json.loads(request.body or b"{}") if request.content_type == "application/json" else request.POST
        starts_at = clock.parse_datetime(payload.get("start", ""), field="starts_at")
        ends_at = clock.parse_datetime(payload["end"], field="ends_at") if payload.get("end") else None
        reason = payload.get("override_reason") or ""
        if not isinstance(reason, str) or len(reason) > 300:
            raise ValidationFailed(
                "The override reason must be text of at most 300 characters.", field="override_reason"
            )
        session = session_reschedule(
            actor=request.user,
            session=session,
            starts_at=starts_at,
            ends_at=ends_at,
            override_hours=payload.get("override_hours") in (True, "1", "true", "on"),
            override_reason=reason,
        )
    except (ValueError, AttributeError, RecursionError):
        return JsonResponse(error_body(code="invalid", message="Send JSON with start and end."), status=400)
    except ApplicationError as exc:
        return JsonResponse(
            error_body(code=exc.code, message=exc.message, field=exc.field, **exc.extra), status=exc.status
        )
    session = selectors.with_schedule_relations(Session.objects.filter(pk=session.pk)).get()
    return JsonResponse({"ok": True, "event": event(session, user=request.user)})


@role_required(STAFF)
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """A clinician's day: their sessions in order with the next status step for each."""
    clinician = clinician_param(request)
    if user_has_role(request.user, CLINICIAN):
        clinician = request.user
    try:
        day = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else clock.local_today()
    except ValueError:
        day = clock.local_today()
    sessions = list(selectors.sessions_on_day(user=request.user, day=day, clinician=clinician))
    context = {
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "clinician": clinician,
        "clinicians": selectors.active_clinicians() if user_has_role(request.user, ADMIN) else None,
        "rows": _today_rows(sessions, request.user),
        "next_url": request.get_full_path(),
        "is_today": day == clock.local_today(),
    }
    return render(request, "sessions_app/today.html", context)


def _today_rows(sessions: list[Session], user: User) -> list[dict]:
    """What each row of the day shows, with its links built without a URL reverse per row."""
    detail = url_for_each("sessions_app:session_detail")
    status = url_for_each("sessions_app:session_status")
    chart = url_for_each("patients:detail")
    return [
        {
            "s": s,
            "steps": next_steps(s, user),
            "detail_url": detail(s.public_id),
            "status_url": status(s.public_id),
            "patient_url": chart(s.patient.public_id),
            "staff": ", ".join(u.full_name for u in s.additional_staff.all()),
        }
        for s in sessions
    ]
