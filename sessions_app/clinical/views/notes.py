"""Session notes: preparation and integration records, follow-up checks, and psychotherapy notes
(their author only).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kap_clinic.accounts.permissions import CLINICIAN, THERAPIST_DISCIPLINE, is_active_clinician_of, role_required
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ApplicationError
from kap_clinic.idempotency.pages import idempotent_form
from patients.selectors import patient_get_for, user_is_on_care_team
from sessions_app.clinical import selectors
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.notes import RISKS, Readiness
from sessions_app.clinical.services import notes
from sessions_app.scheduling.models import Session

PREP_FIELDS = ("intentions", "concerns", "fasting_explained", "ride_home_plan", "readiness", "readiness_notes")


INTEGRATION_FIELDS = tuple(n for n, _ in notes.INTEGRATION_TEXT)


def _note_page(
    request: HttpRequest,
    *,
    kind: str,
    template: str,
    save: Callable[[HttpRequest, Session, dict], Any],
    fields: tuple[str, ...],
    lists: tuple[str, ...] = (),
    public_id: uuid.UUID,
    extra: Callable[[HttpRequest, Session, Any], dict] | None = None,
) -> HttpResponse:
    """A therapist's record of a session: GET shows it; POST ``action`` = save | sign | addendum."""
    session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind=kind)
    record = getattr(session, f"{kind}_record", None)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "sign" and record is not None:
                notes.record_sign(actor=request.user, record=record, password=request.POST.get("password", ""))
                done = "Signed. The record can no longer change; corrections are addenda."
            elif action == "addendum" and record is not None:
                notes.addendum_add(
                    actor=request.user,
                    record=record,
                    reason=request.POST.get("reason", ""),
                    body=request.POST.get("body", ""),
                )
                done = "Addendum added."
            elif action == "save":
                values = {n: request.POST.get(n, "") for n in fields}
                values.update({n: request.POST.getlist(n) for n in lists})
                save(request, session, values)
                done = "Saved."
            else:
                raise Http404("Unknown action.")
        except ApplicationError as exc:
            errors[action], status = exc, exc.status
        else:
            messages.success(request, done)
            return redirect(f"sessions_app:{kind}", public_id=session.public_id)
    elif record is not None:
        audit_record(actor=request.user, action=f"{kind}_record.viewed", target=record, patient=session.patient)
    on_team = user_is_on_care_team(user=request.user, patient=session.patient)
    context = {
        "session": session,
        "patient": session.patient,
        "record": record,
        "errors": errors,
        "posted": request.POST if request.method == "POST" else None,
        "can_write": on_team
        and is_active_clinician_of(request.user, THERAPIST_DISCIPLINE)
        and (record is None or (record.author_id == request.user.pk and record.signed_at is None)),
        "can_sign": record is not None and record.signed_at is None and record.author_id == request.user.pk,
        "can_amend": on_team and record is not None,
        "addenda": record.addenda.select_related("author") if record is not None else [],
        **(extra(request, session, record) if extra else {}),
    }
    return render(request, template, context, status=status)


def _preparation_save(request: HttpRequest, session: Session, values: dict) -> Any:
    return notes.preparation_save(actor=request.user, session=session, **values)


def _preparation_extra(request: HttpRequest, session: Session, record: Any) -> dict:
    return {"risks": RISKS, "readiness_choices": Readiness.choices}


def _integration_save(request: HttpRequest, session: Session, values: dict) -> Any:
    return notes.integration_save(actor=request.user, session=session, **values)


def _integration_extra(request: HttpRequest, session: Session, record: Any) -> dict:
    return {
        "follows": record.dosing_record if record else selectors.integration_dosing_for(session),
        "text_fields": [
            (n, label, request.POST.get(n, "") if request.method == "POST" else getattr(record, n, ""))
            for n, label in notes.INTEGRATION_TEXT
        ],
    }


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
@idempotent_form
def preparation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _note_page(
        request,
        kind="preparation",
        template="sessions_app/clinical/preparation.html",
        save=_preparation_save,
        fields=PREP_FIELDS,
        lists=("risks_discussed",),
        public_id=public_id,
        extra=_preparation_extra,
    )


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
@idempotent_form
def integration(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _note_page(
        request,
        kind="integration",
        template="sessions_app/clinical/integration.html",
        save=_integration_save,
        fields=INTEGRATION_FIELDS,
        public_id=public_id,
        extra=_integration_extra,
    )


FOLLOW_UP_FIELDS = (
    *(n for n, _ in notes.FOLLOW_UP_BOOLEANS),
    "craving",
    "bladder_notes",
    "non_prescribed_details",
    "cognition_notes",
)


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
@idempotent_form
def follow_up_check(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The long-term safety questions at an integration or follow-up visit."""
    session = selectors.clinical_session_get_for(user=request.user, public_id=public_id)
    if session.kind not in (Session.Kind.INTEGRATION, Session.Kind.FOLLOW_UP):
        raise Http404("Follow-up questions belong to integration and follow-up visits.")
    check = FollowUpCheck.objects.filter(session=session).select_related("recorded_by").first()
    error = None
    status = 200
    if request.method == "POST":
        try:
            notes.follow_up_check_record(
                actor=request.user, session=session, **{n: request.POST.get(n, "") for n in FOLLOW_UP_FIELDS}
            )
        except ApplicationError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, "Follow-up answers recorded.")
            return redirect("sessions_app:follow_up_check", public_id=session.public_id)
    elif check is not None:
        audit_record(actor=request.user, action="follow_up_check.viewed", target=check, patient=session.patient)
    context = {
        "session": session,
        "patient": session.patient,
        "check": check,
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
        "questions": notes.FOLLOW_UP_BOOLEANS,
        "answers": [(label, getattr(check, n)) for n, label in notes.FOLLOW_UP_BOOLEANS] if check else [],
        "cravings": FollowUpCheck.Craving.choices,
        "can_write": check is None and user_is_on_care_team(user=request.user, patient=session.patient),
    }
    return render(request, "sessions_app/clinical/follow_up_check.html", context, status=status)


@role_required(CLINICIAN)
@require_GET
def psychotherapy_notes(request: HttpRequest) -> HttpResponse:
    notes = selectors.psychotherapy_notes_for(request.user)
    return render(request, "sessions_app/clinical/psychotherapy_list.html", {"notes": notes})


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def psychotherapy_note_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = patient_get_for(user=request.user, public_id=patient_id, clinical=True)
    if not (
        is_active_clinician_of(request.user, THERAPIST_DISCIPLINE)
        and user_is_on_care_team(user=request.user, patient=patient)
    ):
        raise Http404
    error = None
    status = 200
    if request.method == "POST":
        try:
            note = notes.psychotherapy_note_save(actor=request.user, patient=patient, body=request.POST.get("body", ""))
        except ApplicationError as exc:
            error, status = exc, exc.status
        else:
            return redirect("sessions_app:psychotherapy_note", public_id=note.public_id)
    return render(
        request,
        "sessions_app/clinical/psychotherapy_note.html",
        {"patient": patient, "note": None, "error": error, "posted": request.POST or None, "can_edit": True},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def psychotherapy_note(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A psychotherapy note: its author reads and amends it; for anyone else it does not exist (404)."""
    note = selectors.psychotherapy_note_get_for(user=request.user, public_id=public_id)
    error = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "sign":
                notes.record_sign(actor=request.user, record=note, password=request.POST.get("password", ""))
            elif action == "addendum":
                notes.psychotherapy_note_addendum_add(
                    actor=request.user,
                    note=note,
                    reason=request.POST.get("reason", ""),
                    body=request.POST.get("body", ""),
                )
            else:
                notes.psychotherapy_note_save(
                    actor=request.user, patient=note.patient, note=note, body=request.POST.get("body", "")
                )
        except ApplicationError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, "Saved.")
            return redirect("sessions_app:psychotherapy_note", public_id=note.public_id)
    else:
        audit_record(actor=request.user, action="psychotherapy_note.viewed", target=note, patient=note.patient)
    return render(
        request,
        "sessions_app/clinical/psychotherapy_note.html",
        {
            "patient": note.patient,
            "note": note,
            "error": error,
            "posted": request.POST if request.method == "POST" else None,
            "can_edit": note.signed_at is None,
        },
        status=status,
    )
