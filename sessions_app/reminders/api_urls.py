"""Reminders API routes; included by sessions_app/api_urls.py (names join the ``api`` namespace)."""

from __future__ import annotations

from django.urls import path

from sessions_app.reminders import api

urlpatterns = [
    path("reminders/", api.ReminderListApi.as_view(), name="reminders"),
    path("reminders/<uuid:public_id>/resend/", api.ReminderResendApi.as_view(), name="reminder_resend"),
]
