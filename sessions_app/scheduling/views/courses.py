"""Course planning: propose a treatment course's sessions, adjust and confirm them; the course page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kap_clinic.accounts.permissions import STAFF, role_required
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import ApplicationError
from kap_clinic.common.forms import apply_error
from patients.selectors import care_team_for, patient_get_for
from sessions_app.scheduling import forms, selectors
from sessions_app.scheduling.models import TreatmentCourse
from sessions_app.scheduling.services import courses


def _course_request(form: forms.CoursePlanForm, patient) -> courses.CourseRequest:
    d = form.cleaned_data
    return courses.CourseRequest(
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
                    course = courses.course_confirm(
                        actor=request.user,
                        request=course_request,
                        items=_confirmed(items),
                        recurrence=request.POST.get("recurrence", "")[:500] or None,
                    )
                    messages.success(request, f"Course booked: {course.sessions.count()} sessions.")
                    return redirect("sessions_app:course_detail", public_id=course.public_id)
            else:
                proposal = courses.course_propose(actor=request.user, request=course_request)
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


def _proposal_initial(proposal: courses.CourseProposal) -> list[dict[str, Any]]:
    return [
        {
            "kind": s.kind,
            "sequence": s.sequence,
            "starts_at": clock.to_local(s.starts_at).replace(tzinfo=None),
            "room": s.room.public_id if s.room else None,
        }
        for s in proposal.sessions
    ]


def _confirmed(items) -> list[courses.ConfirmedItem]:
    return [
        courses.ConfirmedItem(
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
    occurrences = courses.recurrence_occurrences(course.recurrence)
    return render(
        request,
        "sessions_app/course_detail.html",
        {"course": course, "sessions": sessions, "occurrences": occurrences},
    )
