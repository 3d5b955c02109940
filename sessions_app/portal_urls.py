"""Patient-portal routes of this app, included under /portal/ in the `portal` namespace."""

from __future__ import annotations

from django.urls import path

from sessions_app.reminders import portal_views as views_portal
from sessions_app.scheduling import views

urlpatterns = [
    path("appointments/", views.portal_sessions, name="sessions"),
    path("appointments/reminders/", views_portal.portal_reminder_channels, name="reminder_channels"),
]
