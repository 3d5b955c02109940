"""API routes of this app, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
