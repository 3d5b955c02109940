"""Controlled-substance log API routes (included from sessions_app/api_urls.py; names join ``api``)."""

from __future__ import annotations

from django.urls import path

from sessions_app.inventory import api

urlpatterns = [
    path("inventory/lots/", api.LotListApi.as_view(), name="inventory_lots"),
    path("inventory/lots/<uuid:public_id>/", api.LotDetailApi.as_view(), name="inventory_lot"),
    path("inventory/lots/<uuid:public_id>/<slug:action>/", api.LotActionApi.as_view(), name="inventory_lot_action"),
    path("inventory/entries/<uuid:public_id>/void/", api.EntryVoidApi.as_view(), name="inventory_entry_void"),
    path("inventory/reconciliation/", api.ReconciliationApi.as_view(), name="inventory_reconciliation"),
]
