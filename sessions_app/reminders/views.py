"""Pages of the reminders: in the patient portal, the patient chooses the channels reminders come by."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from kap_clinic.accounts.permissions import PATIENT, role_required
from kap_clinic.common.errors import ApplicationError
from patients.selectors import patient_list_visible_to
from patients.services import patient_reminder_channels_set


@role_required(PATIENT)
@require_POST
def portal_reminder_channels(request: HttpRequest) -> HttpResponse:
    """Save the patient's reminder channels (checkboxes on "My appointments"); back to that page."""
    patient = patient_list_visible_to(request.user).first()
    if patient is None:
        messages.error(request, "Your account is not linked to a patient record yet. Please contact the clinic.")
        return redirect("portal:sessions")
    try:
        patient_reminder_channels_set(
            actor=request.user,
            patient=patient,
            email=request.POST.get("email") == "on",
            sms=request.POST.get("sms") == "on",
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your reminder choices are saved.")
    return redirect("portal:sessions")
