"""One session: booking, its page, changes, cancelling and status steps.

A domain error becomes a form error.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import STAFF, role_required
from kap_clinic.common import clock
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from kap_clinic.common.forms import apply_error
from kap_clinic.idempotency.pages import idempotent_form
from patients.selectors import patient_get_for
from sessions_app.scheduling import forms, selectors
from sessions_app.scheduling.hooks import session_record_links
from sessions_app.scheduling.models import Session, SessionKind
from sessions_app.scheduling.services import sessions, window
from sessions_app.scheduling.services.sessions import MOVABLE, TRANSITIONS
from sessions_app.scheduling.views.common import safe_next, uuid_or_404

# These sessions start and complete with their clinical record (opening it, the first entry,
# signing it), so the page offers only the steps around the work: confirm, check in, no-show.
FOLLOWS_RECORD = {SessionKind.DOSING, SessionKind.PREPARATION, SessionKind.INTEGRATION}


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
        if status in sessions.CLINICIAN_ONLY and (not on_session or session.kind in FOLLOWS_RECORD):
            continue
        if status == Session.Status.NO_SHOW and timezone.now() < session.starts_at:
            continue
        steps.append((status, labels[status]))
    return steps


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
@idempotent_form
def session_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"kind": request.GET.get("kind", SessionKind.CONSULTATION)}
    if request.GET.get("patient"):
        initial["patient"] = patient_get_for(user=request.user, public_id=uuid_or_404(request.GET["patient"])).public_id
    if request.GET.get("start"):
        try:
            start = clock.to_local(clock.parse_datetime(request.GET["start"]))
            initial.update(date=start.date(), start_time=start.time())
        except ValidationFailed:
            pass
    form = forms.SessionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session_type = sessions.session_type_for(form.cleaned_data["kind"])
            session = sessions.session_schedule(
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
        "check_in_refusal": window.window_refusal(session, at=timezone.now()),
        "can_change": session.status in MOVABLE,
        "can_cancel": Session.Status.CANCELLED in TRANSITIONS[session.status],
        "cancel_form": forms.CancelForm(),
        "integrations": session.follow_up_sessions.exclude(status=Session.Status.CANCELLED),
        "clinical_records": session_record_links(user=request.user, session=session),
    }
    return render(request, "sessions_app/session_detail.html", context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
@idempotent_form
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
            values = form.schedule_values(sessions.session_type_for(session.kind))
            sessions.session_update(actor=request.user, session=session, **values)
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
        session = sessions.session_cancel(actor=request.user, session=session, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        late = " (late cancellation)" if session.late_cancel else ""
        messages.success(request, f"Session cancelled{late}.")
    return redirect(safe_next(request, reverse("sessions_app:session_detail", args=[session.public_id])))


@role_required(STAFF)
@require_POST
def session_status(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
    try:
        session = sessions.session_transition(
            actor=request.user,
            session=session,
            to_status=request.POST.get("status", ""),
            override_reason=request.POST.get("override_reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{session.get_kind_display()} session is now {session.get_status_display().lower()}."
        )
    return redirect(safe_next(request, reverse("sessions_app:session_detail", args=[session.public_id])))
