"""The patient portal's appointments page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kap_clinic.accounts.permissions import PATIENT, role_required
from kap_clinic.audit.services import audit_record
from patients.selectors import patient_list_visible_to
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Session


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
