"""Helpers shared by the patients pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kap_clinic.common.errors import ApplicationError, PermissionDeniedError
from kap_clinic.common.forms import apply_error

from .. import selectors
from ..models import Patient


def clinical_patient(request: HttpRequest, public_id: Any) -> Patient:
    """The patient for a clinical page: 404 without a relationship, 403 for practice admins."""
    return selectors.patient_get_for(user=request.user, public_id=public_id, clinical=True)


def form_error(form: Any, exc: ApplicationError) -> None:
    """A service refusal shown on the form; a permission refusal is a plain 403."""
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(exc.message) from exc
    apply_error(form, exc)


def report_error(request: HttpRequest, exc: ApplicationError) -> None:
    """A service refusal as an error message on the next page; a permission refusal is a plain 403."""
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(exc.message) from exc
    messages.error(request, exc.message)


def back_to_chart(request: HttpRequest, patient: Patient, exc: ApplicationError | None = None) -> HttpResponse:
    """Redirect to the chart, with the service's refusal as an error message (for small POST-only actions)."""
    if exc is not None:
        report_error(request, exc)
    return redirect("patients:detail", public_id=patient.public_id)
