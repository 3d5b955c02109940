"""Controlled-substance log pages under /sessions/inventory/ (included by sessions_app/urls.py;
names join ``sessions_app``)."""

from __future__ import annotations

from django.urls import path

from sessions_app.inventory import views

urlpatterns = [
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/reconciliation/", views.inventory_reconciliation, name="inventory_reconciliation"),
    path("inventory/lots/<uuid:public_id>/", views.inventory_lot, name="inventory_lot"),
]
