"""Scheduling pages under /sessions/: the calendar, today, sessions, courses, clinic set-up, the iCal feed."""

from __future__ import annotations

from django.urls import path

from sessions_app.scheduling.views import calendar, courses, feed, sessions, setup

urlpatterns = [
    path("", calendar.calendar, name="calendar"),
    path("events/", calendar.calendar_events, name="calendar_events"),
    path("today/", calendar.today, name="today"),
    path("new/", sessions.session_create, name="session_create"),
    path("<uuid:public_id>/", sessions.session_detail, name="session_detail"),
    path("<uuid:public_id>/edit/", sessions.session_edit, name="session_edit"),
    path("<uuid:public_id>/move/", calendar.session_move, name="session_move"),
    path("<uuid:public_id>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("<uuid:public_id>/status/", sessions.session_status, name="session_status"),
    path("courses/plan/<uuid:patient_id>/", courses.course_plan, name="course_plan"),
    path("courses/<uuid:public_id>/", courses.course_detail, name="course_detail"),
    path("setup/", setup.setup, name="setup"),
    path("setup/locations/new/", setup.location_create, name="location_create"),
    path("setup/rooms/new/", setup.room_create, name="room_create"),
    path("setup/rooms/<uuid:public_id>/", setup.room_edit, name="room_edit"),
    path("setup/session-types/<slug:kind>/", setup.session_type_edit, name="session_type_edit"),
    path("setup/hours/<uuid:public_id>/", setup.working_hours, name="working_hours"),
    path("setup/time-off/<uuid:public_id>/delete/", setup.time_off_delete, name="time_off_delete"),
    path("feed/", feed.feed_manage, name="feed_manage"),
    path("feed/<str:token>.ics", feed.feed, name="feed"),
]
