"""HTML forms of the patients app. They check shape and convert types; the services own the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.common.forms import PlainSelect

from . import contraindications
from .instruments import Instrument
from .models import Condition, EligibilityDecision, InteractionClass, Patient
from .selectors import PATIENT_SORTS, clinicians_for_filter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SELECT = {"class": "form-select"}
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class PatientFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "Name, MRN or date of birth", "type": "search"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Patient.Status.choices], widget=PlainSelect(attrs=SELECT)
    )
    condition = forms.ChoiceField(
        required=False, choices=[("", "Any condition"), *Condition.choices], widget=PlainSelect(attrs=SELECT)
    )
    clinician = forms.ChoiceField(required=False, choices=[], widget=PlainSelect(attrs=SELECT))
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in PATIENT_SORTS], widget=forms.HiddenInput)

    def __init__(self, *args: Any, clinicians: list[User], clinical: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [("", "Any clinician")] + [
            (str(c.public_id), c.full_name) for c in clinicians
        ]
        if not clinical:
            # Conditions are clinical: practice admins neither see nor filter by them.
            del self.fields["condition"]


class PatientForm(forms.Form):
    legal_first_name = forms.CharField(max_length=100)
    legal_last_name = forms.CharField(max_length=100)
    preferred_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(widget=DATE)
    sex_at_birth = forms.ChoiceField(required=False, choices=[("", "—"), *Patient.SexAtBirth.choices])
    gender = forms.CharField(max_length=60, required=False)
    email = forms.EmailField(required=False)
    mobile = forms.CharField(max_length=30, required=False, help_text="International format, e.g. +15551234567")
    address_line1 = forms.CharField(max_length=200, required=False, label="Address")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address (line 2)")
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, initial="US", help_text="Two-letter code")
    emergency_contact_name = forms.CharField(max_length=200, required=False)
    emergency_contact_relationship = forms.CharField(max_length=60, required=False, label="Relationship")
    emergency_contact_phone = forms.CharField(max_length=30, required=False)
    reminder_email_opt_in = forms.BooleanField(required=False, initial=True, label="Email reminders")
    reminder_sms_opt_in = forms.BooleanField(required=False, label="SMS reminders")
    referring_provider = forms.CharField(max_length=200, required=False)
    referring_provider_contact = forms.CharField(max_length=200, required=False)
    # Clinical (care team only; removed for admins).
    conditions = forms.MultipleChoiceField(
        required=False, choices=Condition.choices, widget=forms.CheckboxSelectMultiple, label="Primary conditions"
    )
    condition_other = forms.CharField(max_length=200, required=False, label="Other condition (describe)")
    allergies = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    no_known_allergies = forms.BooleanField(required=False, label="No known allergies")
    height_cm = forms.DecimalField(required=False, max_digits=4, decimal_places=1, label="Height (cm)")

    CLINICAL = ("conditions", "condition_other", "allergies", "no_known_allergies", "height_cm")
    SECTIONS = (
        (
            "Identity",
            ("legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "sex_at_birth", "gender"),
        ),
        ("Contact", ("email", "mobile", "address_line1", "address_line2", "city", "region", "postal_code", "country")),
        ("Emergency contact", ("emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone")),
        ("Reminders", ("reminder_email_opt_in", "reminder_sms_opt_in")),
        ("Referral", ("referring_provider", "referring_provider_contact")),
        ("Clinical", CLINICAL),
    )

    def __init__(self, *args: Any, clinical: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinical = clinical
        if not clinical:
            for name in self.CLINICAL:
                del self.fields[name]

    @classmethod
    def initial_for(cls, patient: Patient) -> dict[str, Any]:
        names = [n for _, fields in cls.SECTIONS for n in fields if n not in ("conditions", "condition_other")]
        initial = {name: getattr(patient, name) for name in names}
        initial["conditions"] = [c.condition for c in patient.conditions.all()]
        initial["condition_other"] = next((c.detail for c in patient.conditions.all() if c.condition == "other"), "")
        return initial

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.SECTIONS
            if any(name in self.fields for name in names)
        ]


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=Patient.Status.choices)
    reason = forms.CharField(max_length=300, required=False)


class CareTeamForm(forms.Form):
    clinician = forms.ModelChoiceField(
        queryset=clinicians_for_filter(),
        to_field_name="public_id",
    )
    is_lead = forms.BooleanField(required=False, label="Care-team lead")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].label_from_instance = lambda u: f"{u.full_name} ({u.role_label})"


def assessment_form_class(instrument: Instrument, *, with_time: bool = True) -> type[forms.Form]:
    """A form with one radio group per item of ``instrument`` (field ``item_<index>``), and the
    administration time unless the result is part of another record (the intake's C-SSRS screen)."""
    fields: dict[str, forms.Field] = {}
    for index, item in enumerate(instrument.items):
        fields[f"item_{index}"] = forms.TypedChoiceField(
            label=item.text,
            choices=[(str(o.value), o.label) for o in item.options],
            widget=forms.RadioSelect,
            coerce=(lambda v: v == "True") if instrument.answer_type == "boolean" else int,
            error_messages={"required": f"Answer {instrument.short_name} {item.label}."},
        )
    if with_time:
        fields["administered_at"] = forms.DateTimeField(
            widget=DATETIME, initial=_now_local, label="Administered at", input_formats=["%Y-%m-%dT%H:%M"]
        )

    def answers(self: forms.Form) -> list[Any]:
        return [self.cleaned_data[f"item_{i}"] for i in range(len(instrument.items))]

    def items(self: forms.Form) -> list[tuple[Any, forms.BoundField]]:
        return [(item, self[f"item_{i}"]) for i, item in enumerate(instrument.items)]

    return type(
        f"{instrument.code.title()}Form",
        (forms.Form,),
        {**fields, "answers": answers, "items": items, "instrument": instrument},
    )


class IntakeForm(forms.Form):
    assessed_at = forms.DateTimeField(widget=DATETIME, initial=_now_local, input_formats=["%Y-%m-%dT%H:%M"])
    bp_systolic = forms.IntegerField(required=False, label="Systolic BP (mmHg)")
    bp_diastolic = forms.IntegerField(required=False, label="Diastolic BP (mmHg)")
    heart_rate = forms.IntegerField(required=False, label="Heart rate (bpm)")
    spo2 = forms.IntegerField(required=False, label="SpO2 (%)")
    weight_kg = forms.DecimalField(required=False, max_digits=5, decimal_places=1, label="Weight (kg)")
    height_cm = forms.DecimalField(required=False, max_digits=4, decimal_places=1, label="Height (cm)")
    medical_history = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    diagnoses = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    prior_treatments = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Including failed antidepressant trials (drug, dose, duration, response)",
    )
    failed_antidepressant_trials = forms.IntegerField(min_value=0, initial=0, label="Failed antidepressant trials")
    psychosis_history = forms.BooleanField(required=False, label="History of psychosis")
    mania_history = forms.BooleanField(required=False, label="History of mania")
    substance_use = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    prior_ketamine_use = forms.BooleanField(required=False, label="Prior ketamine use")
    prior_ketamine_details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contraindication_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = contraindications.current_checklist()
        for item in self.checklist.items:
            self.fields[f"ci_{item.code}"] = forms.BooleanField(
                required=False, label=item.label, help_text=item.guidance
            )
        self.screen_form = assessment_form_class(_cssrs(), with_time=False)(*args, prefix="cssrs", **kwargs)

    def is_valid(self) -> bool:
        own = super().is_valid()
        return self.screen_form.is_valid() and own

    def _checklist_fields(self, kind: str) -> list[forms.BoundField]:
        return [self[f"ci_{i.code}"] for i in self.checklist.items if i.kind == kind]

    @property
    def absolute_fields(self) -> list[forms.BoundField]:
        return self._checklist_fields(contraindications.ABSOLUTE)

    @property
    def relative_fields(self) -> list[forms.BoundField]:
        return self._checklist_fields(contraindications.RELATIVE)

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("ci_")}
        data["contraindications"] = {i.code: self.cleaned_data[f"ci_{i.code}"] for i in self.checklist.items}
        data["checklist_version"] = self.checklist.version
        data["cssrs_answers"] = self.screen_form.answers()
        data["failed_antidepressant_trials"] = data.get("failed_antidepressant_trials") or 0
        return data


def _cssrs() -> Instrument:
    from .instruments import CSSRS_SCREEN

    return CSSRS_SCREEN


class EligibilityForm(forms.Form):
    decision = forms.ChoiceField(choices=EligibilityDecision.Decision.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Acknowledgement note",
        help_text="What was done: contact with the patient, safety plan, escalation.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300)


class MedicationForm(forms.Form):
    name = forms.CharField(max_length=200)
    dose = forms.CharField(max_length=200, required=False, help_text="Dose, route, frequency")
    interaction_class = forms.ChoiceField(
        required=False,
        choices=[("auto", "Detect from the name"), ("", "None"), *InteractionClass.choices],
        initial="auto",
        label="Interacting class",
    )
    started_on = forms.DateField(required=False, widget=DATE)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["interaction_class"] == "auto":
            data["interaction_class"] = None
        return data


class WeightForm(forms.Form):
    weight_kg = forms.DecimalField(max_digits=5, decimal_places=1, label="Weight (kg)")
    measured_on = forms.DateField(widget=DATE, initial=timezone.localdate)
