from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kap_clinic.common.errors import ApplicationError
from kap_clinic.common.forms import apply_error

from . import services
from .forms import EmailLoginForm, EmailPasswordResetForm, PasswordChangeForm, StaffEditForm, StaffForm
from .models import User
from .permissions import ADMIN, role_required


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = EmailPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "emails/password_reset/body.txt"
    html_email_template_name = "emails/password_reset/body.html"
    subject_template_name = "emails/password_reset/subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        # Without the sites framework Django names the site after the request host ("127.0.0.1:8000").
        return {"site_name": settings.CLINIC_NAME}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Any signed-in user (staff or patient) changes their own password and stays signed in."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                user=request.user,
                current_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Your password has been changed.")
            return redirect("portal:home" if request.user.is_patient else "dashboard")
    layout = "layouts/portal.html" if request.user.is_patient else "layouts/staff.html"
    return render(request, "accounts/password_change.html", {"form": form, "layout": layout})


@role_required(ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.exclude(role=User.Role.PATIENT).order_by("-is_active", "full_name")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/staff_list.html", {"page": page})


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create_staff(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Account created for {user.full_name}.")
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True})


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    user = get_object_or_404(User.objects.exclude(role=User.Role.PATIENT), public_id=public_id)
    initial = {f: getattr(user, f) for f in ("email", "full_name", "role", "discipline", "credentials")}
    form = StaffEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "email"}
        try:
            services.user_update_staff(actor=request.user, user=user, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Saved {user.full_name}.")
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "staff": user, "creating": False})


@role_required(ADMIN)
@require_POST
def staff_set_active(request: HttpRequest, public_id: str) -> HttpResponse:
    user = get_object_or_404(User.objects.exclude(role=User.Role.PATIENT), public_id=public_id)
    if request.POST.get("active") not in ("0", "1"):
        # A missing value must not read as "deactivate".
        messages.error(request, "Choose whether to deactivate or reactivate the account (active = 0 or 1).")
        return redirect("accounts:staff_list")
    active = request.POST["active"] == "1"
    try:
        services.user_set_active(actor=request.user, user=user, active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.full_name} is now {'active' if active else 'deactivated'}.")
    return redirect("accounts:staff_list")
