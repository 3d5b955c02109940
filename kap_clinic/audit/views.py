from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import ADMIN, role_required

from .selectors import audit_event_list


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.role_label})"


class AuditFilterForm(forms.Form):
    patient = forms.UUIDField(
        required=False, label="Patient ID", widget=forms.TextInput(attrs={"placeholder": "paste a patient ID"})
    )
    # Staff only: a practice has thousands of patient accounts, too many for a dropdown; a patient's
    # own actions are found through the patient filter.
    user = StaffChoiceField(
        queryset=User.objects.exclude(role=User.Role.PATIENT).order_by("full_name"),
        required=False,
        to_field_name="public_id",
        label="Staff member",
    )
    # A placeholder, not help text: help text makes this column taller and the filter row ragged.
    action = forms.CharField(
        required=False, max_length=60, widget=forms.TextInput(attrs={"placeholder": "patient. or patient.viewed"})
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@role_required(ADMIN)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        patient_public_id=filters.get("patient"),
        actor_public_id=filters["user"].public_id if filters.get("user") else None,
        action=filters.get("action", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})
