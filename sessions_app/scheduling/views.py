"""Scheduling pages: calendars, today, session booking and changes, course planning, clinic set-up,
calendar feeds, and the patient portal's appointments page.

Views authenticate, fetch through ``selectors`` and write through ``services``; a domain error
becomes a form error (pages) or a JSON error body (the calendar's drag-and-drop endpoint).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, PATIENT, STAFF, role_required
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.api import error_body
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from kap_clinic.common.forms import apply_error
from patients.selectors import care_team_for, patient_get_for, patient_list_visible_to
from sessions_app.clinical import selectors as selectors_clinical
from sessions_app.scheduling import calendar as calendar_data
from sessions_app.scheduling import forms, selectors
from sessions_app.scheduling.models import (
    Location,
    Room,
    Session,
    SessionKind,
    TimeOff,
    TreatmentCourse,
    WorkingHours,
)
from sessions_app.scheduling.services import clinic as clinic_services
from sessions_app.scheduling.services import courses as course_services
from sessions_app.scheduling.services import sessions as scheduling
from sessions_app.scheduling.services.sessions import MOVABLE, TRANSITIONS

# --- helpers ------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _clinician_param(request: HttpRequest) -> User | None:
    value = request.GET.get("clinician")
    if not value:
        return None
    return selectors.active_clinicians().filter(public_id=_uuid_or_404(value)).first() or _not_found()


def _room_param(request: HttpRequest) -> Room | None:
    value = request.GET.get("room")
    if not value:
        return None
    return Room.objects.filter(public_id=_uuid_or_404(value)).first() or _not_found()


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404("Not a valid id.") from None


def _not_found() -> Any:
    raise Http404("Not found.")


def next_steps(session: Session, user: User) -> list[tuple[str, str]]:
    """The status buttons to offer this user on this session: (status, label)."""
    labels = {
        Session.Status.CONFIRMED: "Confirm",
        Session.Status.CHECKED_IN: "Check in",
        Session.Status.IN_PROGRESS: "Start",
        Session.Status.COMPLETED: "Complete",
        Session.Status.NO_SHOW: "No-show",
    }
    on_session = user.pk == session.lead_clinician_id or any(u.pk == user.pk for u in session.additional_staff.all())
    steps = []
    for status in sorted(TRANSITIONS[session.status] - {Session.Status.CANCELLED}, key=list(labels).index):
        if status in scheduling.CLINICIAN_ONLY and not on_session:
            continue
        if status == Session.Status.NO_SHOW and timezone.now() < session.starts_at:
            continue
        steps.append((status, labels[status]))
    return steps


# --- calendars ----------------------------------------------------------------------------


@role_required(STAFF)
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Week and day views by clinician or by room (FullCalendar, fed by ``calendar_events``)."""
    clinician, room = _clinician_param(request), _room_param(request)
    if request.user.is_clinician and clinician is None and room is None:
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
    """FullCalendar's event feed: sessions between ``start`` and ``end`` (clinic wall-clock times)."""
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
        clinician=_clinician_param(request),
        room=_room_param(request),
        include_cancelled=request.GET.get("cancelled") == "1",
        prefetch_staff=False,
    )
    events = calendar_data.events(sessions, user=request.user)
    audit_record(actor=request.user, action="session.listed", target_type="sessions_app.session")
    return JsonResponse(events, safe=False)


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
        session = scheduling.session_reschedule(
            actor=request.user,
            session=session,
            starts_at=starts_at,
            ends_at=ends_at,
            override_hours=payload.get("override_hours") in (True, "1", "true", "on"),
            override_reason=reason,
        )
    except (ValueError, AttributeError):
        return JsonResponse(error_body(code="invalid", message="Send JSON with start and end."), status=400)
    except ApplicationError as exc:
        return JsonResponse(
            error_body(code=exc.code, message=exc.message, field=exc.field, **exc.extra), status=exc.status
        )
    session = selectors.with_schedule_relations(Session.objects.filter(pk=session.pk)).get()
    return JsonResponse({"ok": True, "event": calendar_data.event(session, user=request.user)})


@role_required(STAFF)
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """A clinician's day: their sessions in order with the next status step for each."""
    clinician = _clinician_param(request)
    if request.user.is_clinician:
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
        "clinicians": selectors.active_clinicians() if request.user.is_practice_admin else None,
        "rows": [(s, next_steps(s, request.user)) for s in sessions],
        "is_today": day == clock.local_today(),
    }
    return render(request, "sessions_app/today.html", context)


# --- one session --------------------------------------------------------------------------


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"kind": request.GET.get("kind", SessionKind.CONSULTATION)}
    if request.GET.get("patient"):
        initial["patient"] = patient_get_for(
            user=request.user, public_id=_uuid_or_404(request.GET["patient"])
        ).public_id
    if request.GET.get("start"):
        try:
            start = clock.to_local(clock.parse_datetime(request.GET["start"]))
            initial.update(date=start.date(), start_time=start.time())
        except ValidationFailed:
            pass
    form = forms.SessionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session_type = scheduling.session_type_for(form.cleaned_data["kind"])
            session = scheduling.session_schedule(
                actor=request.user,
                patient=form.cleaned_data["patient"],
                kind=form.cleaned_data["kind"],
                **form.schedule_values(session_type),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Booked: {session.get_kind_display()} {_when(session)}.")
            return redirect("sessions_app:session_detail", public_id=session.public_id)
    return render(request, "sessions_app/session_form.html", {"form": form, "creating": True})


def _when(session: Session) -> str:
    start = clock.to_local(session.starts_at)
    return f"{start:%a %d %b %Y %H:%M}–{clock.to_local(session.ends_at):%H:%M}"


@role_required(STAFF)
@require_GET
def session_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_open(user=request.user, public_id=public_id)
    context = {
        "session": session,
        "steps": next_steps(session, request.user),
        "can_change": session.status in MOVABLE,
        "can_cancel": Session.Status.CANCELLED in TRANSITIONS[session.status],
        "cancel_form": forms.CancelForm(),
        "integrations": session.follow_up_sessions.exclude(status=Session.Status.CANCELLED),
        "clinical_records": selectors_clinical.session_clinical_records(user=request.user, session=session),
    }
    return render(request, "sessions_app/session_detail.html", context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
    start = clock.to_local(session.starts_at)
    initial = {
        "date": start.date(),
        "start_time": start.time(),
        "duration_minutes": session.duration_minutes,
        "lead_clinician": session.lead_clinician.public_id,
        "additional_staff": [u.public_id for u in session.additional_staff.all()],
        "room": session.room.public_id if session.room else None,
    }
    form = forms.SessionEditForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.schedule_values(scheduling.session_type_for(session.kind))
            scheduling.session_update(actor=request.user, session=session, **values)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Session updated.")
            return redirect("sessions_app:session_detail", public_id=session.public_id)
    return render(request, "sessions_app/session_form.html", {"form": form, "session": session, "creating": False})


@role_required(STAFF)
@require_POST
def session_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
    form = forms.CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed("Give a reason for the cancellation.", field="reason")
        session = scheduling.session_cancel(actor=request.user, session=session, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        late = " (late cancellation)" if session.late_cancel else ""
        messages.success(request, f"Session cancelled{late}.")
    return redirect(_safe_next(request, reverse("sessions_app:session_detail", args=[session.public_id])))


@role_required(STAFF)
@require_POST
def session_status(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
    try:
        session = scheduling.session_transition(
            actor=request.user, session=session, to_status=request.POST.get("status", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{session.get_kind_display()} session is now {session.get_status_display().lower()}."
        )
    return redirect(_safe_next(request, reverse("sessions_app:session_detail", args=[session.public_id])))


# --- courses ------------------------------------------------------------------------------


def _course_request(form: forms.CoursePlanForm, patient) -> course_services.CourseRequest:
    d = form.cleaned_data
    return course_services.CourseRequest(
        patient=patient,
        start_date=d["start_date"],
        medical_clinician=d["medical_clinician"],
        therapist=d.get("therapist"),
        dosing_count=d["dosing_count"],
        dosing_weekdays=tuple(sorted(set(d["dosing_weekdays"]))),
        dosing_time=d["dosing_time"],
        preparation_count=d["preparation_count"],
        preparation_time=d["preparation_time"],
        integration_time=d["integration_time"],
        integration_min_days=d["integration_min_days"],
        integration_max_days=d["integration_max_days"],
    )


def _course_initial(patient) -> dict[str, Any]:
    today_ = clock.local_today()
    team = [m.clinician for m in care_team_for(patient)]
    medical = next((c for c in team if c.is_prescriber), None) or next((c for c in team if c.is_nurse), None)
    therapist = next((c for c in team if c.is_therapist), None)
    return {
        "start_date": today_ + dt.timedelta(days=(7 - today_.weekday()) % 7 or 7),
        "medical_clinician": medical.public_id if medical else None,
        "therapist": therapist.public_id if therapist else None,
    }


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def course_plan(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Propose a course, let the admin adjust the slots, then book it (all or nothing)."""
    patient = patient_get_for(user=request.user, public_id=patient_id, write=True)
    form = forms.CoursePlanForm(request.POST or None, initial=_course_initial(patient))
    items, proposal, error = None, None, None
    if request.method == "POST" and form.is_valid():
        course_request = _course_request(form, patient)
        try:
            if request.POST.get("action") == "confirm":
                items = forms.CourseItemFormSet(request.POST, prefix="items")
                if items.is_valid():
                    course = course_services.course_confirm(
                        actor=request.user,
                        request=course_request,
                        items=_confirmed(items),
                        recurrence=request.POST.get("recurrence", "")[:500] or None,
                    )
                    messages.success(request, f"Course booked: {course.sessions.count()} sessions.")
                    return redirect("sessions_app:course_detail", public_id=course.public_id)
            else:
                proposal = course_services.course_propose(actor=request.user, request=course_request)
                items = forms.CourseItemFormSet(prefix="items", initial=_proposal_initial(proposal))
        except ApplicationError as exc:
            error = exc.message
            _apply_item_error(items, form, exc)
    rows = list(zip(items.forms, proposal.sessions, strict=True)) if proposal and items else None
    recurrence = proposal.recurrence if proposal else request.POST.get("recurrence", "")
    context = {
        "patient": patient,
        "form": form,
        "items": items,
        "proposal": proposal,
        "rows": rows,
        "error": error,
        "recurrence": recurrence,
    }
    return render(request, "sessions_app/course_plan.html", context)


def _proposal_initial(proposal: course_services.CourseProposal) -> list[dict[str, Any]]:
    return [
        {
            "kind": s.kind,
            "sequence": s.sequence,
            "starts_at": clock.to_local(s.starts_at).replace(tzinfo=None),
            "room": s.room.public_id if s.room else None,
        }
        for s in proposal.sessions
    ]


def _confirmed(items) -> list[course_services.ConfirmedItem]:
    return [
        course_services.ConfirmedItem(
            kind=f.cleaned_data["kind"],
            sequence=f.cleaned_data["sequence"],
            starts_at=f.cleaned_data["starts_at"],
            room=f.cleaned_data.get("room"),
        )
        for f in items.forms
    ]


def _apply_item_error(items, form, exc: ApplicationError) -> None:
    field = exc.field or ""
    if items is not None and field.startswith("items."):
        _, index, name = ([*field.split("."), "starts_at"])[:3]
        if index.isdigit() and int(index) < len(items.forms):
            target = items.forms[int(index)]
            target.add_error(name if name in target.fields else None, exc.message)
            return
    apply_error(form, exc)


@role_required(STAFF)
@require_GET
def course_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_object_or_404(
        TreatmentCourse.objects.select_related("patient", "medical_clinician", "therapist"), public_id=public_id
    )
    patient_get_for(user=request.user, public_id=course.patient.public_id)  # 404 outside the care team
    sessions = selectors.with_schedule_relations(course.sessions.all()).order_by("starts_at")
    audit_record(actor=request.user, action="course.viewed", target=course, patient=course.patient)
    occurrences = course_services.recurrence_occurrences(course.recurrence)
    return render(
        request,
        "sessions_app/course_detail.html",
        {"course": course, "sessions": sessions, "occurrences": occurrences},
    )


# --- clinic set-up (admins) ---------------------------------------------------------------


@role_required(ADMIN)
@require_GET
def setup(request: HttpRequest) -> HttpResponse:
    hours: dict[int, list[WorkingHours]] = {}
    for wh in WorkingHours.objects.order_by("weekday", "start_time"):
        hours.setdefault(wh.clinician_id, []).append(wh)
    clinicians = [(c, hours.get(c.pk, [])) for c in selectors.active_clinicians()]
    context = {
        "locations": Location.objects.all(),
        "rooms": Room.objects.select_related("location"),
        "session_types": selectors.session_type_map().values(),
        "clinicians": clinicians,
    }
    return render(request, "sessions_app/setup.html", context)


def _setup_form_page(request, form, title: str, save) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{title}: saved.")
            return redirect("sessions_app:setup")
    return render(request, "sessions_app/setup_form.html", {"form": form, "title": title})


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def location_create(request: HttpRequest) -> HttpResponse:
    form = forms.LocationForm(request.POST or None)
    return _setup_form_page(
        request, form, "New location", lambda d: clinic_services.location_create(actor=request.user, **d)
    )


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    form = forms.RoomForm(request.POST or None)
    return _setup_form_page(request, form, "New room", lambda d: clinic_services.room_save(actor=request.user, **d))


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    room = get_object_or_404(Room, public_id=public_id)
    initial = {"location": room.location.public_id, "name": room.name, "dosing_equipped": room.dosing_equipped}
    form = forms.RoomForm(request.POST or None, initial={**initial, "active": room.active})
    return _setup_form_page(
        request, form, f"Room {room.name}", lambda d: clinic_services.room_save(actor=request.user, room=room, **d)
    )


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def session_type_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in SessionKind.values:
        raise Http404("No such session type.")
    session_type = selectors.session_type_map()[kind]
    fields = forms.SessionTypeForm.base_fields
    form = forms.SessionTypeForm(request.POST or None, initial={f: getattr(session_type, f) for f in fields})
    return _setup_form_page(
        request,
        form,
        f"{session_type.name} sessions",
        lambda d: clinic_services.session_type_update(actor=request.user, session_type=session_type, **d),
    )


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def working_hours(request: HttpRequest, public_id: str) -> HttpResponse:
    """A clinician's regular week (one block per day) and their time off."""
    clinician = get_object_or_404(selectors.active_clinicians(), public_id=public_id)
    current = {wh.weekday: wh for wh in WorkingHours.objects.filter(clinician=clinician)}
    initial = [
        {
            "weekday": d,
            "start_time": getattr(current.get(d), "start_time", None),
            "end_time": getattr(current.get(d), "end_time", None),
        }
        for d in range(7)
    ]
    days = forms.WorkingDayFormSet(
        request.POST if "save_hours" in request.POST else None, prefix="days", initial=initial
    )
    time_off_form = forms.TimeOffForm(request.POST if "add_time_off" in request.POST else None)
    try:
        if "save_hours" in request.POST and days.is_valid():
            blocks = [
                (f.cleaned_data["weekday"], f.cleaned_data["start_time"], f.cleaned_data["end_time"])
                for f in days.forms
                if f.cleaned_data.get("start_time")
            ]
            clinic_services.working_hours_set(actor=request.user, clinician=clinician, blocks=blocks)
            messages.success(request, f"Working hours of {clinician.full_name} saved.")
            return redirect("sessions_app:working_hours", public_id=clinician.public_id)
        if "add_time_off" in request.POST and time_off_form.is_valid():
            clinic_services.time_off_add(actor=request.user, clinician=clinician, **time_off_form.cleaned_data)
            messages.success(request, "Time off added.")
            return redirect("sessions_app:working_hours", public_id=clinician.public_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    context = {
        "clinician": clinician,
        "days": days,
        "day_rows": list(zip(days.forms, [WorkingHours.Weekday(d).label for d in range(7)], strict=False)),
        "time_off_form": time_off_form,
        "time_off": TimeOff.objects.filter(clinician=clinician, ends_at__gte=timezone.now()),
    }
    return render(request, "sessions_app/working_hours.html", context)


@role_required(ADMIN)
@require_POST
def time_off_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    off = get_object_or_404(TimeOff.objects.select_related("clinician"), public_id=public_id)
    clinic_services.time_off_remove(actor=request.user, time_off=off)
    messages.success(request, "Time off removed.")
    return redirect("sessions_app:working_hours", public_id=off.clinician.public_id)


# --- calendar feed ------------------------------------------------------------------------


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def feed_manage(request: HttpRequest) -> HttpResponse:
    """Create (or replace) and revoke the clinician's secret iCalendar URL; it is shown once."""
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            clinic_services.calendar_feed_revoke(actor=request.user)
            messages.success(request, "Your calendar feed was revoked; the old address no longer works.")
            return redirect("sessions_app:feed_manage")
        _, token = clinic_services.calendar_feed_create(actor=request.user)
        new_url = request.build_absolute_uri(reverse("sessions_app:feed", args=[token]))
    active = request.user.calendar_feeds.filter(revoked_at__isnull=True).first()
    return render(request, "sessions_app/feed.html", {"active": active, "new_url": new_url})


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: times, room and patient initials only. Unknown or revoked: 404."""
    calendar_feed = selectors.feed_for_token(token)
    if calendar_feed is None:
        raise Http404("No such calendar.")
    clinician = calendar_feed.clinician
    body = calendar_data.ical(selectors.feed_sessions(clinician), clinician=clinician)
    type(calendar_feed).objects.filter(pk=calendar_feed.pk).update(last_used_at=timezone.now())
    audit_record(actor=clinician, action="calendar_feed.read", target=calendar_feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# --- patient portal -----------------------------------------------------------------------


@role_required(PATIENT)
@require_GET
def portal_sessions(request: HttpRequest) -> HttpResponse:
    patient = patient_list_visible_to(request.user).first()
    if patient is None:
        return render(request, "sessions_app/portal_sessions.html", {"patient": None})
    sessions = selectors.with_schedule_relations(selectors.session_list_visible_to(request.user))
    now = timezone.now()
    context = {
        "patient": patient,
        "upcoming": sessions.filter(ends_at__gte=now).exclude(status=Session.Status.CANCELLED).order_by("starts_at"),
        "past": sessions.filter(ends_at__lt=now).order_by("-starts_at")[:20],
        "cancelled": sessions.filter(ends_at__gte=now, status=Session.Status.CANCELLED).order_by("starts_at"),
    }
    audit_record(actor=request.user, action="session.listed", target_type="sessions_app.session", patient=patient)
    return render(request, "sessions_app/portal_sessions.html", context)
