"""Serializers of the reminders API: reminder rows as admins see them (no message content)."""

from __future__ import annotations

from rest_framework import serializers

from sessions_app.reminders.models import Reminder


class ReminderSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id")
    session = serializers.UUIDField(source="session.public_id", default=None, allow_null=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "patient",
            "session",
            "kind",
            "channel",
            "offset_minutes",
            "planned_for",
            "due_at",
            "next_attempt_at",
            "status",
            "status_reason",
            "attempts",
            "sent_at",
            "last_error",
        ]


class ReminderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reminder.Status.choices, required=False)
    patient = serializers.UUIDField(required=False)
