"""The clinic's clinical thresholds: every value with its default; prescribers change one with a
reason (audited).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, STAFF, is_active_clinician_of, role_required
from kap_clinic.common.errors import ApplicationError
from sessions_app.clinical import thresholds


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def clinical_settings_page(request: HttpRequest) -> HttpResponse:
    """Every clinical threshold with its default; prescribers change one with a reason (audited)."""
    error = None
    status = 200
    if request.method == "POST":
        try:
            thresholds.clinical_setting_change(
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
        "rows": thresholds.current().rows(),
        "changes": ClinicalSettingChange.objects.select_related("changed_by")[:20],
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
        "can_change": is_active_clinician_of(request.user, PRESCRIBER_DISCIPLINE),
    }
    return render(request, "sessions_app/clinical/clinical_settings.html", context, status=status)
