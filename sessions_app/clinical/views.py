"""Clinical pages: the live dosing page, preparation/integration records, psychotherapy notes,
follow-up checks, the controlled-substance log and the clinic's clinical thresholds.

The dosing page is built for use during the session on a tablet: every action is an htmx POST
to ``dosing_action`` that answers with the board partial (the same partial the page includes)
plus the status strip out-of-band, in one round trip. A refusal re-renders the board with the
message next to the form that caused it, with the refusal's status (400/403/409); dosing.js lets
htmx swap those. Without JavaScript the same forms post normally and redirect back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import CLINICIAN, STAFF, role_required
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from patients.selectors import patient_get_for
from sessions_app.clinical import selectors as selectors_clinical
from sessions_app.clinical import thresholds as clinical_settings
from sessions_app.clinical.models.dosing import AdverseEvent, DosingRecord, Medication, Observation, Route
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.notes import RISKS, Readiness
from sessions_app.clinical.services import notes as note_services
from sessions_app.clinical.services.administration import (
    administration_end,
    administration_record,
    administration_void,
    esketamine_device_give,
)
from sessions_app.clinical.services.discharge import ALDRETE_ITEMS, REMS_REQUIRED, discharge_record
from sessions_app.clinical.services.dosing import dosing_check_in, dosing_confirm, dosing_open, dosing_plan_update
from sessions_app.clinical.services.monitoring import (
    adverse_event_record,
    bp_acknowledge,
    bp_override,
    observation_record,
    vitals_alert_acknowledge,
    vitals_record,
    vitals_void,
)
from sessions_app.common.charts import VitalsPoint, vitals_chart_svg
from sessions_app.common.inputs import on_care_team
from sessions_app.inventory import selectors as inventory_selectors
from sessions_app.inventory import services as inv
from sessions_app.inventory.models import InventoryLot, Product
from sessions_app.scheduling.models import Session

BOARD = "sessions_app/clinical/partials/_dosing_board.html"
STATUS = "sessions_app/clinical/partials/_dosing_status.html"


def _post(request: HttpRequest, *names: str) -> dict[str, str]:
    return {n: request.POST.get(n, "") for n in names if n in request.POST}


# --- the dosing page --------------------------------------------------------------------------------


def _dosing_of(session: Session) -> DosingRecord:
    try:
        return DosingRecord.objects.select_related("session", "patient").get(session=session)
    except DosingRecord.DoesNotExist:
        raise Http404("This session has no dosing record yet.") from None


def _vitals_chart(page: selectors_clinical.DosingPage) -> SafeString | None:
    """The trend of the session's readings (voided ones left out) with the BP alert limits dashed."""
    points = [
        VitalsPoint(v.taken_at, v.systolic, v.diastolic, v.heart_rate, v.spo2)
        for v in page.state.vitals
        if v.voided_at is None and any(x is not None for x in (v.systolic, v.diastolic, v.heart_rate, v.spo2))
    ]
    if len(points) < 2:
        return None
    s = page.state.settings
    limits = (
        (float(s.alert_systolic_above), f"SBP alert > {s.alert_systolic_above:g}", "#b42318"),
        (float(s.alert_diastolic_above), f"DBP alert > {s.alert_diastolic_above:g}", "#d97706"),
    )
    svg = vitals_chart_svg(points, width=640, height=220, limits=limits, title="Trend")
    return mark_safe(svg)  # noqa: S308 - numbers and escaped labels built by vitals_chart_svg


def _dosing_context(request: HttpRequest, session: Session, dosing: DosingRecord | None, **extra: Any) -> dict:
    user = request.user
    on_team = on_care_team(user, session.patient)
    context: dict[str, Any] = {
        "session": session,
        "patient": session.patient,
        "dosing": dosing,
        "can_write": on_team and (user.is_prescriber or user.is_nurse),
        "can_observe": on_team,
        "is_prescriber": on_team and user.is_prescriber,
        "medications": Medication.choices,
        "routes": Route.choices,
        "errors": {},
        "posted": {},
        **extra,
    }
    if dosing is not None:
        page = selectors_clinical.dosing_page(dosing)
        # The page's own copy is fresh and carries its related rows (no extra queries in the template).
        dosing = page.state.dosing
        context.update(
            dosing=dosing,
            session=dosing.session,
            page=page,
            s=page.state.settings,
            can_sign=user.pk == dosing.responsible_clinician_id and dosing.signed_at is None,
            moaas_options=[
                (5, "5 · alert"),
                (4, "4 · lethargic"),
                (3, "3 · loud voice"),
                (2, "2 · prodding"),
                (1, "1 · pain only"),
                (0, "0 · no response"),
            ],
            dissociation_options=Observation.Dissociation.choices,
            ae_codes=AdverseEvent.Code.choices,
            ae_severities=AdverseEvent.Severity.choices,
            ae_interventions=AdverseEvent.Intervention.choices,
            aldrete_items=ALDRETE_ITEMS,
            rems_questions=REMS_REQUIRED,
            now_local=clock.to_local(page.state.at),
            vitals_chart=_vitals_chart(page),
        )
    return context


def _render_dosing(
    request: HttpRequest, session: Session, dosing: DosingRecord | None, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _dosing_context(request, session, dosing, **extra)
    if request.htmx and dosing is not None:
        board = render_to_string(BOARD, context, request=request)
        strip = render_to_string(STATUS, {**context, "oob": True}, request=request)
        response = HttpResponse(board + strip, status=status)
    else:
        response = render(request, "sessions_app/clinical/dosing.html", context, status=status)
    response["Vary"] = "HX-Request"
    return response


@role_required(CLINICIAN)
@require_GET
def dosing(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The dosing page (or, before the record exists, the form that opens it)."""
    session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    record = DosingRecord.objects.filter(session=session).first()
    if record is not None:
        audit_record(actor=request.user, action="dosing_record.viewed", target=record, patient=session.patient)
    return _render_dosing(request, session, record)


@role_required(CLINICIAN)
@require_GET
def dosing_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The status strip (timers, reminders, open alerts), polled by the page every 30 seconds."""
    session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    record = _dosing_of(session)
    return render(request, STATUS, _dosing_context(request, session, record))


def _reading(request: HttpRequest, dosing: DosingRecord):  # noqa: ANN202
    reading = selectors_clinical.vitals_get_for(user=request.user, public_id=request.POST.get("reading", ""))
    if reading.dosing_id != dosing.pk:
        raise Http404
    return reading


def _dose(request: HttpRequest, dosing: DosingRecord):  # noqa: ANN202
    dose = selectors_clinical.administration_get_for(user=request.user, public_id=request.POST.get("dose", ""))
    if dose.dosing_id != dosing.pk:
        raise Http404
    return dose


def _lot(value: str) -> InventoryLot | None:
    if not value:
        return None
    try:
        return InventoryLot.objects.get(public_id=value)
    except (InventoryLot.DoesNotExist, ValueError, Exception):
        raise ValidationFailed("Choose a lot from the list.", field="lot") from None


def _clinician(value: str, field: str) -> User | None:
    if not value:
        return None
    try:
        return User.objects.get(public_id=value, role=User.Role.CLINICIAN)
    except (User.DoesNotExist, ValueError, Exception):
        raise ValidationFailed("Choose a clinician from the list.", field=field) from None


VITALS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate")
DISCHARGE_FIELDS = tuple(n for n, _ in ALDRETE_ITEMS) + tuple(n for n, _ in REMS_REQUIRED)


def _administer(request: HttpRequest, dosing: DosingRecord, user: User) -> Any:
    return administration_record(
        actor=user,
        dosing=dosing,
        dose_mg=request.POST.get("dose_mg"),
        lot=_lot(request.POST.get("lot", "")),
        ordering_prescriber=_clinician(request.POST.get("ordering_prescriber", ""), "ordering_prescriber"),
        infusion_minutes=request.POST.get("infusion_minutes"),
        override_reason=request.POST.get("override_reason", ""),
    )


def _discharge(request: HttpRequest, dosing: DosingRecord, user: User) -> Any:
    answers = {n: request.POST[n] for n in DISCHARGE_FIELDS if request.POST.get(n, "") != ""}
    return discharge_record(
        actor=user,
        dosing=dosing,
        escort_confirmed=request.POST.get("escort_confirmed", ""),
        escort_name=request.POST.get("escort_name", ""),
        instructions_given=request.POST.get("instructions_given", ""),
        override_reason=request.POST.get("override_reason", ""),
        notes=request.POST.get("notes", ""),
        rems_ready_minutes=request.POST.get("rems_ready_minutes"),
        **answers,
    )


Handler = Callable[[HttpRequest, DosingRecord, User], Any]
DOSING_ACTIONS: dict[str, Handler] = {
    "check_in": lambda r, d, u: dosing_check_in(actor=u, dosing=d),
    "plan": lambda r, d, u: dosing_plan_update(
        actor=u, dosing=d, medication=r.POST.get("medication", ""), route=r.POST.get("route", "")
    ),
    "fasting": lambda r, d, u: dosing_confirm(actor=u, dosing=d, item="fasting"),
    "ride_home": lambda r, d, u: dosing_confirm(
        actor=u,
        dosing=d,
        item="ride_home",
        escort_name=r.POST.get("escort_name", ""),
        escort_phone=r.POST.get("escort_phone", ""),
    ),
    "vitals": lambda r, d, u: vitals_record(actor=u, dosing=d, **{k: r.POST.get(k, "") for k in VITALS}),
    "acknowledge": lambda r, d, u: vitals_alert_acknowledge(
        actor=u, reading=_reading(r, d), note=r.POST.get("note", "")
    ),
    "void_vitals": lambda r, d, u: vitals_void(actor=u, reading=_reading(r, d), reason=r.POST.get("reason", "")),
    "bp_acknowledge": lambda r, d, u: bp_acknowledge(actor=u, dosing=d),
    "bp_override": lambda r, d, u: bp_override(actor=u, dosing=d, reason=r.POST.get("override_reason", "")),
    "administer": _administer,
    "device": lambda r, d, u: esketamine_device_give(actor=u, administration=_dose(r, d)),
    "end_dose": lambda r, d, u: administration_end(actor=u, administration=_dose(r, d)),
    "void_dose": lambda r, d, u: administration_void(
        actor=u, administration=_dose(r, d), reason=r.POST.get("reason", "")
    ),
    "observe": lambda r, d, u: observation_record(
        actor=u,
        dosing=d,
        moaas=r.POST.get("moaas"),
        dissociation=r.POST.get("dissociation", ""),
        respiratory_depression=r.POST.get("respiratory_depression", ""),
        note=r.POST.get("note", ""),
    ),
    "adverse_event": lambda r, d, u: adverse_event_record(
        actor=u,
        dosing=d,
        code=r.POST.get("code", ""),
        severity=r.POST.get("severity", ""),
        intervention=r.POST.get("intervention", ""),
        description=r.POST.get("description", ""),
        intervention_detail=r.POST.get("intervention_detail", ""),
        serious=r.POST.get("serious", ""),
    ),
    "discharge": _discharge,
    "sign": lambda r, d, u: note_services.record_sign(actor=u, record=d, password=r.POST.get("password", "")),
    "addendum": lambda r, d, u: note_services.addendum_add(
        actor=u, record=d, reason=r.POST.get("reason", ""), body=r.POST.get("body", "")
    ),
}


@role_required(CLINICIAN)
@require_POST
def dosing_action(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    """One action on the dosing page; answers with the board (htmx) or a redirect back."""
    session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    if action == "open":
        try:
            dosing_open(
                actor=request.user,
                session=session,
                medication=request.POST.get("medication", ""),
                route=request.POST.get("route", ""),
            )
        except ApplicationError as exc:
            return _render_dosing(request, session, None, status=exc.status, errors={"open": exc})
        return redirect("sessions_app:dosing", public_id=session.public_id)
    handler = DOSING_ACTIONS.get(action)
    if handler is None:
        raise Http404("Unknown dosing action.")
    record = _dosing_of(session)
    try:
        handler(request, record, request.user)
    except ApplicationError as exc:
        return _render_dosing(
            request, session, record, status=exc.status, errors={action: exc}, posted={action: request.POST}
        )
    if not request.htmx:
        return redirect("sessions_app:dosing", public_id=session.public_id)
    return _render_dosing(request, session, record, saved=action)


# --- preparation, integration, follow-up ---------------------------------------------------------------

PREP_FIELDS = ("intentions", "concerns", "fasting_explained", "ride_home_plan", "readiness", "readiness_notes")
INTEGRATION_FIELDS = tuple(n for n, _ in note_services.INTEGRATION_TEXT)


def _note_page(
    request: HttpRequest,
    *,
    kind: str,
    template: str,
    save: Callable[[Session, dict], Any],
    fields: tuple[str, ...],
    lists: tuple[str, ...] = (),
    public_id: uuid.UUID,
    extra: Callable[[Session, Any], dict] | None = None,
) -> HttpResponse:
    """A therapist's record of a session: GET shows it; POST ``action`` = save | sign | addendum."""
    session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id, kind=kind)
    record = getattr(session, f"{kind}_record", None)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "sign" and record is not None:
                note_services.record_sign(actor=request.user, record=record, password=request.POST.get("password", ""))
                done = "Signed. The record can no longer change; corrections are addenda."
            elif action == "addendum" and record is not None:
                note_services.addendum_add(
                    actor=request.user,
                    record=record,
                    reason=request.POST.get("reason", ""),
                    body=request.POST.get("body", ""),
                )
                done = "Addendum added."
            elif action == "save":
                values = {n: request.POST.get(n, "") for n in fields}
                values.update({n: request.POST.getlist(n) for n in lists})
                save(session, values)
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
    on_team = on_care_team(request.user, session.patient)
    context = {
        "session": session,
        "patient": session.patient,
        "record": record,
        "errors": errors,
        "posted": request.POST if request.method == "POST" else None,
        "can_write": on_team
        and request.user.is_therapist
        and (record is None or (record.author_id == request.user.pk and record.signed_at is None)),
        "can_sign": record is not None and record.signed_at is None and record.author_id == request.user.pk,
        "can_amend": on_team and record is not None,
        "addenda": record.addenda.select_related("author") if record is not None else [],
        **(extra(session, record) if extra else {}),
    }
    return render(request, template, context, status=status)


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def preparation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _note_page(
        request,
        kind="preparation",
        template="sessions_app/clinical/preparation.html",
        save=lambda session, values: note_services.preparation_save(actor=request.user, session=session, **values),
        fields=PREP_FIELDS,
        lists=("risks_discussed",),
        public_id=public_id,
        extra=lambda session, record: {"risks": RISKS, "readiness_choices": Readiness.choices},
    )


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def integration(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _note_page(
        request,
        kind="integration",
        template="sessions_app/clinical/integration.html",
        save=lambda session, values: note_services.integration_save(actor=request.user, session=session, **values),
        fields=INTEGRATION_FIELDS,
        public_id=public_id,
        extra=lambda session, record: {
            "follows": record.dosing_record if record else selectors_clinical.integration_dosing_for(session),
            "text_fields": [
                (n, label, request.POST.get(n, "") if request.method == "POST" else getattr(record, n, ""))
                for n, label in note_services.INTEGRATION_TEXT
            ],
        },
    )


FOLLOW_UP_FIELDS = (
    *(n for n, _ in note_services.FOLLOW_UP_BOOLEANS),
    "craving",
    "bladder_notes",
    "non_prescribed_details",
    "cognition_notes",
)


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def follow_up_check(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The long-term safety questions at an integration or follow-up visit."""
    session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id)
    if session.kind not in (Session.Kind.INTEGRATION, Session.Kind.FOLLOW_UP):
        raise Http404("Follow-up questions belong to integration and follow-up visits.")
    check = FollowUpCheck.objects.filter(session=session).select_related("recorded_by").first()
    error = None
    status = 200
    if request.method == "POST":
        try:
            note_services.follow_up_check_record(
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
        "questions": note_services.FOLLOW_UP_BOOLEANS,
        "answers": [(label, getattr(check, n)) for n, label in note_services.FOLLOW_UP_BOOLEANS] if check else [],
        "cravings": FollowUpCheck.Craving.choices,
        "can_write": check is None and on_care_team(request.user, session.patient),
    }
    return render(request, "sessions_app/clinical/follow_up_check.html", context, status=status)


# --- psychotherapy notes (author only) -----------------------------------------------------------------


@role_required(CLINICIAN)
@require_GET
def psychotherapy_notes(request: HttpRequest) -> HttpResponse:
    notes = selectors_clinical.psychotherapy_notes_for(request.user)
    return render(request, "sessions_app/clinical/psychotherapy_list.html", {"notes": notes})


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def psychotherapy_note_create(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = patient_get_for(user=request.user, public_id=patient_id, clinical=True)
    if not (request.user.is_therapist and on_care_team(request.user, patient)):
        raise Http404
    error = None
    status = 200
    if request.method == "POST":
        try:
            note = note_services.psychotherapy_note_save(
                actor=request.user, patient=patient, body=request.POST.get("body", "")
            )
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
    note = selectors_clinical.psychotherapy_note_get_for(user=request.user, public_id=public_id)
    error = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "sign":
                note_services.record_sign(actor=request.user, record=note, password=request.POST.get("password", ""))
            elif action == "addendum":
                note_services.psychotherapy_note_addendum_add(
                    actor=request.user,
                    note=note,
                    reason=request.POST.get("reason", ""),
                    body=request.POST.get("body", ""),
                )
            else:
                note_services.psychotherapy_note_save(
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


# --- controlled-substance log -----------------------------------------------------------------------------


def _keeper(request: HttpRequest) -> None:
    inventory_selectors.require_log_keeper(request.user)


def _witnesses(exclude: User) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, role=User.Role.CLINICIAN, discipline__in=[User.Discipline.PRESCRIBER, User.Discipline.NURSE]
        )
        .exclude(pk=exclude.pk)
        .order_by("full_name")
    )


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def inventory(request: HttpRequest) -> HttpResponse:
    """Lots on hand with balances; receiving a new lot."""
    _keeper(request)
    error = None
    status = 200
    if request.method == "POST":
        try:
            lot = inv.lot_receive(
                actor=request.user,
                product=request.POST.get("product", ""),
                lot_number=request.POST.get("lot_number", ""),
                concentration=request.POST.get("concentration", ""),
                supplier=request.POST.get("supplier", ""),
                invoice_number=request.POST.get("invoice_number", ""),
                quantity=request.POST.get("quantity", ""),
                expires_on=_date(request.POST.get("expires_on", "")),
            )
        except ApplicationError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, f"Lot {lot.lot_number} received.")
            return redirect("sessions_app:inventory_lot", public_id=lot.public_id)
    context = {
        "lots": inventory_selectors.lot_list(),
        "products": Product.choices,
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
        "today": clock.local_today(),
    }
    return render(request, "sessions_app/clinical/inventory.html", context, status=status)


def _date(value: str):  # noqa: ANN202
    import datetime as dt

    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("Use a date like 2027-01-31.", field="expires_on") from None


LOT_ACTIONS: dict[str, Callable[[HttpRequest, InventoryLot], Any]] = {
    "waste": lambda r, lot: inv.inventory_waste(
        actor=r.user,
        lot=lot,
        quantity=r.POST.get("quantity", ""),
        witness=_clinician(r.POST.get("witness", ""), "witness"),
        reason=r.POST.get("reason", ""),
    ),
    "adjust": lambda r, lot: inv.inventory_adjust(
        actor=r.user, lot=lot, quantity=r.POST.get("quantity", ""), reason=r.POST.get("reason", "")
    ),
    "count": lambda r, lot: inv.inventory_count(
        actor=r.user,
        lot=lot,
        counted_quantity=r.POST.get("counted_quantity", ""),
        witness=_clinician(r.POST.get("witness", ""), "witness"),
        note=r.POST.get("note", ""),
    ),
    "void_entry": lambda r, lot: inv.inventory_entry_void(
        actor=r.user, entry=_entry(r, lot), reason=r.POST.get("reason", "")
    ),
    "void_lot": lambda r, lot: inv.lot_void(actor=r.user, lot=lot, reason=r.POST.get("reason", "")),
}


def _entry(request: HttpRequest, lot: InventoryLot):  # noqa: ANN202
    entry = inventory_selectors.entry_get_for(user=request.user, public_id=request.POST.get("entry", ""))
    if entry.lot_id != lot.pk:
        raise Http404
    return entry


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def inventory_lot(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One lot's log (every entry with its running balance) and its waste / adjust / count / void forms."""
    lot = inventory_selectors.lot_get_for(user=request.user, public_id=public_id)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        handler = LOT_ACTIONS.get(action)
        if handler is None:
            raise Http404("Unknown action.")
        try:
            handler(request, lot)
        except ApplicationError as exc:
            errors[action], status = exc, exc.status
        else:
            messages.success(request, "Recorded in the log.")
            return redirect("sessions_app:inventory_lot", public_id=lot.public_id)
        lot.refresh_from_db()
    context = {
        "lot": lot,
        "entries": inventory_selectors.lot_entries(lot),
        "counts": lot.counts.select_related("counted_by", "witness")[:10],
        "witnesses": _witnesses(request.user),
        "errors": errors,
        "posted": request.POST if request.method == "POST" else None,
        "is_prescriber": request.user.is_prescriber,
        "expired": lot.expires_on < clock.local_today(),
    }
    return render(request, "sessions_app/clinical/inventory_lot.html", context, status=status)


@role_required(CLINICIAN)
@require_GET
def inventory_reconciliation(request: HttpRequest) -> HttpResponse:
    """Count/reconciliation: each lot's balance, the log's sum, the latest count and any discrepancy."""
    _keeper(request)
    return render(
        request,
        "sessions_app/clinical/inventory_reconciliation.html",
        {"rows": inventory_selectors.reconciliation_rows()},
    )


# --- clinical thresholds -----------------------------------------------------------------------------------


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def clinical_settings_page(request: HttpRequest) -> HttpResponse:
    """Every clinical threshold with its default; prescribers change one with a reason (audited)."""
    error = None
    status = 200
    if request.method == "POST":
        try:
            clinical_settings.clinical_setting_change(
                actor=request.user,
                key=request.POST.get("key", ""),
                value=request.POST.get("value", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, "Threshold changed.")
            return redirect("sessions_app:clinical_settings")
    from sessions_app.clinical.models.dosing import ClinicalSettingChange

    context = {
        "rows": clinical_settings.current().rows(),
        "changes": ClinicalSettingChange.objects.select_related("changed_by")[:20],
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
        "can_change": request.user.is_prescriber,
    }
    return render(request, "sessions_app/clinical/clinical_settings.html", context, status=status)


def dosing_url(session: Session) -> str:
    return reverse("sessions_app:dosing", kwargs={"public_id": session.public_id})
