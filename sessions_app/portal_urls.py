"""Patient-portal routes of this app, included under /portal/ in the `portal` namespace."""

from __future__ import annotations

from django.urls import path

from sessions_app.reminders.views import portal_reminder_channels
from sessions_app.scheduling.views.portal import portal_sessions

urlpatterns = [
    path("appointments/", portal_sessions, name="sessions"),
    path("appointments/reminders/", portal_reminder_channels, name="reminder_channels"),
]
