from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/settings/", views.two_factor_settings, name="two_factor_settings"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("password/", views.password_change, name="password_change"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<uuid:public_id>/", views.staff_edit, name="staff_edit"),
    path("staff/<uuid:public_id>/active/", views.staff_set_active, name="staff_set_active"),
    path("staff/<uuid:public_id>/two-factor-reset/", views.staff_two_factor_reset, name="staff_two_factor_reset"),
]
