"""Serializers of the scheduling API (``sessions_app.scheduling.api``): they validate shape only.

Output serializers show a session's schedule and no clinical content (the admin sees exactly this);
input serializers read clinic wall-clock times (``ClinicDateTimeField``) and public ids.
"""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from kap_clinic.common import clock
from kap_clinic.common.errors import ValidationFailed
from sessions_app.scheduling.models import Room, Session, SessionKind, SessionType


class ClinicDateTimeField(serializers.DateTimeField):
    """ISO 8601; a value without an offset is clinic wall-clock time, and must exist on that clock."""

    def to_internal_value(self, value):
        try:
            return clock.parse_datetime(value if isinstance(value, dt.datetime) else str(value))
        except ValidationFailed as exc:
            raise serializers.ValidationError(exc.message) from None


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField()
    discipline = serializers.CharField()


class RoomSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    location = serializers.CharField(source="location.name", read_only=True)
    location_id = serializers.UUIDField(source="location.public_id", read_only=True)

    class Meta:
        model = Room
        fields = ["id", "name", "location", "location_id", "dosing_equipped", "active"]


class PatientRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    display_name = serializers.CharField()
    initials = serializers.CharField()


class SessionSerializer(serializers.ModelSerializer):
    """A session's schedule: no clinical content (the admin sees exactly this)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = PatientRefSerializer()
    lead_clinician = PersonSerializer()
    additional_staff = PersonSerializer(many=True)
    room = RoomSerializer(allow_null=True)
    course = serializers.UUIDField(source="course.public_id", default=None, allow_null=True)
    follows = serializers.UUIDField(source="follows.public_id", default=None, allow_null=True)
    duration_minutes = serializers.IntegerField()
    cancelled_by = serializers.CharField(source="cancelled_by.full_name", default=None, allow_null=True)
    hours_overridden = serializers.SerializerMethodField()
    window_overridden = serializers.SerializerMethodField(
        help_text="A prescriber let check-in or a dose happen outside the booked window (who, when and why "
        "are on the dosing record's page and in the audit trail)."
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "kind",
            "status",
            "patient",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "lead_clinician",
            "additional_staff",
            "room",
            "course",
            "course_sequence",
            "follows",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "late_cancel",
            "hours_overridden",
            "checked_in_at",
            "window_overridden",
        ]

    def get_hours_overridden(self, obj: Session) -> bool:
        return obj.hours_override_by_id is not None

    def get_window_overridden(self, obj: Session) -> bool:
        return obj.window_override_by_id is not None


class SessionFilterSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (clinic-local), inclusive")
    end = serializers.DateField(required=False, help_text="Last day (clinic-local), inclusive")
    clinician = serializers.UUIDField(required=False)
    room = serializers.UUIDField(required=False)
    patient = serializers.UUIDField(required=False)
    status = serializers.CharField(required=False, help_text="One status or several, comma-separated")
    kind = serializers.CharField(required=False, help_text="One kind or several, comma-separated")

    def _choices(self, value: str, allowed: list[str], name: str) -> list[str]:
        values = [v.strip() for v in value.split(",") if v.strip()]
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise serializers.ValidationError(f"Unknown {name}: {', '.join(unknown)}. Use {', '.join(allowed)}.")
        return values

    def validate_status(self, value: str) -> list[str]:
        return self._choices(value, Session.Status.values, "status")

    def validate_kind(self, value: str) -> list[str]:
        return self._choices(value, SessionKind.values, "kind")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The end date is before the start date."})
        return attrs


class SessionCreateSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    starts_at = ClinicDateTimeField(help_text="ISO 8601; without an offset it is clinic-local time")
    ends_at = ClinicDateTimeField(required=False, help_text="Defaults to the session type's duration")
    lead_clinician = serializers.UUIDField()
    additional_staff = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    room = serializers.UUIDField(required=False, allow_null=True, default=None)
    override_hours = serializers.BooleanField(required=False, default=False)
    override_reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)


class SessionUpdateSerializer(serializers.Serializer):
    starts_at = ClinicDateTimeField(required=False)
    ends_at = ClinicDateTimeField(required=False)
    lead_clinician = serializers.UUIDField(required=False)
    additional_staff = serializers.ListField(child=serializers.UUIDField(), required=False)
    room = serializers.UUIDField(required=False, allow_null=True)
    override_hours = serializers.BooleanField(required=False, default=False)
    override_reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[s for s in Session.Status.choices if s[0] not in (Session.Status.SCHEDULED, Session.Status.CANCELLED)]
    )
    override_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="A prescriber's reason for checking in outside the booked window (audited).",
    )


class RoomCreateSerializer(serializers.Serializer):
    location = serializers.UUIDField()
    name = serializers.CharField(max_length=120)
    dosing_equipped = serializers.BooleanField(default=False)


class SessionTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionType
        fields = [
            "kind",
            "name",
            "default_duration_minutes",
            "requires_dosing_room",
            "requires_medical_staff",
            "requires_therapist",
            "colour",
        ]


class AvailabilityQuerySerializer(serializers.Serializer):
    clinician = serializers.UUIDField()
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    patient = serializers.UUIDField(required=False, help_text="Also avoid this patient's sessions")


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    rooms = RoomSerializer(many=True)


class CourseRequestSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    start_date = serializers.DateField()
    medical_clinician = serializers.UUIDField()
    therapist = serializers.UUIDField(required=False, allow_null=True, default=None)
    dosing_count = serializers.IntegerField(default=6, min_value=1, max_value=24)
    dosing_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), default=[0, 3], help_text="0 = Monday"
    )
    dosing_time = serializers.TimeField(default=dt.time(9, 0))
    preparation_count = serializers.IntegerField(default=1, min_value=0, max_value=4)
    preparation_time = serializers.TimeField(default=dt.time(10, 0))
    integration_time = serializers.TimeField(default=dt.time(10, 0))
    integration_min_days = serializers.IntegerField(default=1, min_value=1, max_value=7)
    integration_max_days = serializers.IntegerField(default=3, min_value=1, max_value=7)


class CourseItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[SessionKind.PREPARATION, SessionKind.DOSING, SessionKind.INTEGRATION])
    sequence = serializers.IntegerField(min_value=1)
    starts_at = ClinicDateTimeField()
    room = serializers.UUIDField(allow_null=True, required=False, default=None)


class CourseConfirmSerializer(CourseRequestSerializer):
    items = CourseItemSerializer(many=True)


class ProposedSessionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    sequence = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    wanted_at = serializers.DateTimeField()
    moved = serializers.BooleanField()
    moved_because = serializers.CharField()
    warning = serializers.CharField()
    lead_clinician = PersonSerializer()
    additional_staff = PersonSerializer(many=True)
    room = RoomSerializer(allow_null=True)
    follows_sequence = serializers.IntegerField(allow_null=True)


class CourseOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    recurrence = serializers.CharField()
    time_zone = serializers.CharField()
    dosing_count = serializers.IntegerField()
    sessions = serializers.SerializerMethodField()

    def get_sessions(self, course) -> list[str]:
        return [str(s.public_id) for s in course.sessions.order_by("starts_at")]
