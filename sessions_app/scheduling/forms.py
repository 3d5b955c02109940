"""Forms of the scheduling pages. They check shape only; the services apply the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from kap_clinic.accounts.models import User
from kap_clinic.common import clock
from patients.selectors import patient_list_visible_to
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Location, Room, SessionKind, SessionType, WorkingHours

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 300}, format="%Y-%m-%dT%H:%M")


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.role_label})"


class CliniciansChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.role_label})"


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Room) -> str:
        return f"{obj.name}{' · dosing' if obj.dosing_equipped else ''} ({obj.location.name})"


def _clinicians():
    return selectors.active_clinicians()


def _rooms():
    return selectors.active_rooms()


class _ScheduleFields(forms.Form):
    date = forms.DateField(widget=DATE)
    start_time = forms.TimeField(widget=TIME)
    duration_minutes = forms.IntegerField(
        min_value=5, max_value=12 * 60, required=False, help_text="Leave empty for the session type's usual length."
    )
    lead_clinician = ClinicianChoiceField(queryset=User.objects.none(), to_field_name="public_id")
    additional_staff = CliniciansChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="Dosing needs a prescriber or nurse and a therapist among the staff.",
    )
    room = RoomChoiceField(queryset=Room.objects.none(), to_field_name="public_id", required=False)
    override_hours = forms.BooleanField(
        required=False, label="Book outside working hours / time off (admin override, audited)"
    )
    override_reason = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_clinician"].queryset = _clinicians()
        self.fields["additional_staff"].queryset = _clinicians()
        self.fields["room"].queryset = _rooms()
        if not user.is_practice_admin:
            del self.fields["override_hours"]
            del self.fields["override_reason"]

    def schedule_values(self, session_type: SessionType | None = None) -> dict[str, Any]:
        """Service keyword arguments (times made clinic-local, duration applied)."""
        d = self.cleaned_data
        starts_at = clock.combine(d["date"], d["start_time"], field="start_time")
        minutes = d.get("duration_minutes") or (session_type.default_duration_minutes if session_type else None)
        values = {
            "starts_at": starts_at,
            "lead_clinician": d["lead_clinician"],
            "additional_staff": list(d.get("additional_staff") or []),
            "room": d.get("room"),
            "override_hours": bool(d.get("override_hours")),
            "override_reason": d.get("override_reason") or "",
        }
        if minutes:
            values["ends_at"] = starts_at + dt.timedelta(minutes=minutes)
        return values


class SessionForm(_ScheduleFields):
    patient = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    kind = forms.ChoiceField(choices=SessionKind.choices)

    field_order = ["patient", "kind", "date", "start_time", "duration_minutes", "lead_clinician", "additional_staff"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["patient"].queryset = patient_list_visible_to(user).order_by("legal_last_name", "legal_first_name")
        self.order_fields(self.field_order)


class SessionEditForm(_ScheduleFields):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"placeholder": "Reason for cancelling"}))


WEEKDAYS = [(d, WorkingHours.Weekday(d).label) for d in range(7)]


class CoursePlanForm(forms.Form):
    start_date = forms.DateField(widget=DATE, help_text="The first preparation session is on or after this day.")
    medical_clinician = ClinicianChoiceField(
        queryset=User.objects.none(), to_field_name="public_id", label="Dosing led by (prescriber or nurse)"
    )
    therapist = ClinicianChoiceField(queryset=User.objects.none(), to_field_name="public_id", required=False)
    preparation_count = forms.IntegerField(min_value=0, max_value=4, initial=1)
    dosing_count = forms.IntegerField(min_value=1, max_value=24, initial=6, label="Dosing sessions")
    dosing_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, initial=[0, 3], widget=forms.CheckboxSelectMultiple, label="Dosing days"
    )
    dosing_time = forms.TimeField(widget=TIME, initial=dt.time(9, 0))
    preparation_time = forms.TimeField(widget=TIME, initial=dt.time(10, 0))
    integration_time = forms.TimeField(widget=TIME, initial=dt.time(10, 0))
    integration_min_days = forms.IntegerField(min_value=1, max_value=7, initial=1, label="Integration after (min days)")
    integration_max_days = forms.IntegerField(min_value=1, max_value=7, initial=3, label="Integration after (max days)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinicians = _clinicians()
        self.fields["medical_clinician"].queryset = clinicians.filter(discipline__in=["prescriber", "nurse"])
        self.fields["therapist"].queryset = clinicians.filter(discipline="therapist")


class CourseItemForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, SessionKind(k).label) for k in ("preparation", "dosing", "integration")], widget=forms.HiddenInput
    )
    sequence = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(widget=DATETIME, label="Starts")
    room = RoomChoiceField(queryset=Room.objects.none(), to_field_name="public_id", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = _rooms()


CourseItemFormSet = forms.formset_factory(CourseItemForm, extra=0)


class LocationForm(forms.Form):
    name = forms.CharField(max_length=120)
    address = forms.CharField(max_length=300, required=False)


class RoomForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.filter(active=True), to_field_name="public_id")
    name = forms.CharField(max_length=120)
    dosing_equipped = forms.BooleanField(required=False, help_text="Monitoring equipment for dosing sessions.")
    active = forms.BooleanField(required=False, initial=True, help_text="Untick to retire the room.")


class SessionTypeForm(forms.Form):
    name = forms.CharField(max_length=80)
    default_duration_minutes = forms.IntegerField(min_value=5, max_value=12 * 60, label="Duration (minutes)")
    requires_dosing_room = forms.BooleanField(required=False, label="Needs a dosing-equipped room")
    requires_medical_staff = forms.BooleanField(required=False, label="Needs a prescriber or nurse")
    requires_therapist = forms.BooleanField(required=False, label="Needs a therapist")
    colour = forms.CharField(max_length=7, widget=forms.TextInput(attrs={"type": "color"}))


class WorkingDayForm(forms.Form):
    weekday = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=6)
    start_time = forms.TimeField(widget=TIME, required=False)
    end_time = forms.TimeField(widget=TIME, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("start_time")) != bool(data.get("end_time")):
            raise forms.ValidationError("Give both a start and an end, or neither (not working).")
        return data


WorkingDayFormSet = forms.formset_factory(WorkingDayForm, extra=0, max_num=7)


class TimeOffForm(forms.Form):
    starts_at = forms.DateTimeField(widget=DATETIME)
    ends_at = forms.DateTimeField(widget=DATETIME)
    reason = forms.CharField(max_length=200, required=False, help_text="Not clinical: e.g. leave, conference.")
