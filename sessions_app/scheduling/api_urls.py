"""Scheduling API routes; included by sessions_app/api_urls.py (names join the ``api`` namespace)."""

from __future__ import annotations

from django.urls import path

from sessions_app.scheduling import api

urlpatterns = [
    path("sessions/", api.SessionListApi.as_view(), name="sessions"),
    path("sessions/<uuid:public_id>/", api.SessionDetailApi.as_view(), name="session_detail"),
    path("sessions/<uuid:public_id>/cancel/", api.SessionCancelApi.as_view(), name="session_cancel"),
    path("sessions/<uuid:public_id>/status/", api.SessionStatusApi.as_view(), name="session_status"),
    path("rooms/", api.RoomListApi.as_view(), name="rooms"),
    path("session-types/", api.SessionTypeListApi.as_view(), name="session_types"),
    path("availability/", api.AvailabilityApi.as_view(), name="availability"),
    path("courses/propose/", api.CourseProposeApi.as_view(), name="course_propose"),
    path("courses/", api.CourseListApi.as_view(), name="courses"),
]
