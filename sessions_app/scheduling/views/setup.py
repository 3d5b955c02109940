"""Clinic set-up for practice admins: locations, rooms, session types, working hours and time off."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kap_clinic.accounts.permissions import ADMIN, role_required
from kap_clinic.common.errors import ApplicationError
from kap_clinic.common.forms import apply_error
from sessions_app.scheduling import forms, selectors
from sessions_app.scheduling.models import Location, Room, SessionKind, TimeOff, WorkingHours
from sessions_app.scheduling.services import clinic


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
    return _setup_form_page(request, form, "New location", lambda d: clinic.location_create(actor=request.user, **d))


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    form = forms.RoomForm(request.POST or None)
    return _setup_form_page(request, form, "New room", lambda d: clinic.room_save(actor=request.user, **d))


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    room = get_object_or_404(Room, public_id=public_id)
    initial = {"location": room.location.public_id, "name": room.name, "dosing_equipped": room.dosing_equipped}
    form = forms.RoomForm(request.POST or None, initial={**initial, "active": room.active})
    return _setup_form_page(
        request, form, f"Room {room.name}", lambda d: clinic.room_save(actor=request.user, room=room, **d)
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
        lambda d: clinic.session_type_update(actor=request.user, session_type=session_type, **d),
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
            clinic.working_hours_set(actor=request.user, clinician=clinician, blocks=blocks)
            messages.success(request, f"Working hours of {clinician.full_name} saved.")
            return redirect("sessions_app:working_hours", public_id=clinician.public_id)
        if "add_time_off" in request.POST and time_off_form.is_valid():
            clinic.time_off_add(actor=request.user, clinician=clinician, **time_off_form.cleaned_data)
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
    clinic.time_off_remove(actor=request.user, time_off=off)
    messages.success(request, "Time off removed.")
    return redirect("sessions_app:working_hours", public_id=off.clinician.public_id)
