"""Scheduling pages under /sessions/: the calendar, today, sessions, courses, clinic set-up, the iCal feed."""

from __future__ import annotations

from django.urls import path

from sessions_app.scheduling import views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("events/", views.calendar_events, name="calendar_events"),
    path("today/", views.today, name="today"),
    path("new/", views.session_create, name="session_create"),
    path("<uuid:public_id>/", views.session_detail, name="session_detail"),
    path("<uuid:public_id>/edit/", views.session_edit, name="session_edit"),
    path("<uuid:public_id>/move/", views.session_move, name="session_move"),
    path("<uuid:public_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("<uuid:public_id>/status/", views.session_status, name="session_status"),
    path("courses/plan/<uuid:patient_id>/", views.course_plan, name="course_plan"),
    path("courses/<uuid:public_id>/", views.course_detail, name="course_detail"),
    path("setup/", views.setup, name="setup"),
    path("setup/locations/new/", views.location_create, name="location_create"),
    path("setup/rooms/new/", views.room_create, name="room_create"),
    path("setup/rooms/<uuid:public_id>/", views.room_edit, name="room_edit"),
    path("setup/session-types/<slug:kind>/", views.session_type_edit, name="session_type_edit"),
    path("setup/hours/<uuid:public_id>/", views.working_hours, name="working_hours"),
    path("setup/time-off/<uuid:public_id>/delete/", views.time_off_delete, name="time_off_delete"),
    path("feed/", views.feed_manage, name="feed_manage"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
