from __future__ import annotations

from django.urls import path  # noqa: F401 - patterns are added as the app's pages land

app_name = "consent"

urlpatterns: list = []
