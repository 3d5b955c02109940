from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from kap_clinic.common.errors import ApplicationError
from kap_clinic.common.forms import apply_error

from . import services, totp
from .forms import (
    EmailLoginForm,
    EmailPasswordResetForm,
    OtpForm,
    PasswordChangeForm,
    StaffEditForm,
    StaffForm,
    TotpDisableForm,
    TotpEnrolForm,
)
from .models import TotpDevice, User
from .permissions import ADMIN, PATIENT, STAFF, role_required, user_has_role

# Session key of a sign-in that passed the password step but still owes its second factor.
# While it is set the visitor is anonymous: no page, no data, no API.
MFA_PENDING = "_mfa_pending"


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: EmailLoginForm) -> HttpResponse:
        user = form.get_user()
        if not services.user_needs_second_factor(user):
            return super().form_valid(form)
        # Password right, second factor owed: remember who (for five minutes) and ask for the code.
        self.request.session.cycle_key()
        self.request.session[MFA_PENDING] = {
            "user": user.pk,
            "at": time.time(),
            "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
            "next": self.get_redirect_url(),  # already checked to be on this host ("" otherwise)
        }
        return redirect("accounts:two_factor")


def _pending_user(request: HttpRequest) -> tuple[User, dict] | None:
    marker = request.session.get(MFA_PENDING)
    if not isinstance(marker, dict):
        return None
    if time.time() - float(marker.get("at", 0)) > settings.MFA_PENDING_SECONDS:
        del request.session[MFA_PENDING]
        messages.info(request, "That sign-in took longer than 5 minutes. Please sign in again.")
        return None
    user = User.objects.filter(pk=marker.get("user"), is_active=True).first()
    if user is None or not user.is_staff_member:  # deactivated or changed since the password step
        del request.session[MFA_PENDING]
        return None
    return user, marker


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _enrolment_context(user: User, device: TotpDevice) -> dict:
    uri = totp.provisioning_uri(device.secret, account=user.email, issuer=settings.CLINIC_NAME)
    return {
        # The QR code is markup we generate from our own URI, never user input.
        "qr_svg": mark_safe(totp.qr_svg(uri)),  # noqa: S308
        "secret_groups": " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4)),
        "otpauth_uri": uri,
    }


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Sign-in, step 2: the code from the authenticator app (or, for staff who must use one and have
    none yet, setting the app up first). Only reachable with a fresh password step in the session."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = _pending_user(request)
    if pending is None:
        return redirect("accounts:login")
    user, marker = pending
    enrolling = services.user_totp_device(user) is None
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if enrolling:
                services.user_confirm_totp_enrolment(user=user, code=form.cleaned_data["otp"])
            else:
                services.user_verify_second_factor(user=user, code=form.cleaned_data["otp"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            del request.session[MFA_PENDING]
            auth_login(request, user, backend=marker.get("backend"))
            if enrolling:
                messages.success(
                    request, "Your authenticator app is set up. You will need a code from it at every sign-in."
                )
            return redirect(_safe_next(request, marker.get("next")))
    context = {"form": form, "enrolling": enrolling, "pending_user": user}
    if enrolling:
        context.update(_enrolment_context(user, services.user_begin_totp_enrolment(user=user)))
    return render(request, "accounts/two_factor.html", context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    """The account menu's "Two-factor sign-in" page: set an authenticator app up, or see that it is on."""
    device = services.user_totp_device(request.user)
    form = TotpEnrolForm(request.POST or None)
    if device is None and request.method == "POST" and form.is_valid():
        try:
            services.user_enrol_totp_in_session(
                user=request.user, current_password=form.cleaned_data["password"], code=form.cleaned_data["otp"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Two-factor sign-in is on. You will need a code from your app at every sign-in.")
            return redirect("accounts:two_factor_settings")
    return _render_two_factor_settings(request, device, form, TotpDisableForm())


def _render_two_factor_settings(request, device, form, disable_form, status: int = 200) -> HttpResponse:
    context = {
        "device": device,
        "form": form,
        "disable_form": disable_form,
        "mfa_required": settings.STAFF_MFA_REQUIRED,
    }
    if device is None:
        context.update(_enrolment_context(request.user, services.user_begin_totp_enrolment(user=request.user)))
    return render(request, "accounts/two_factor_settings.html", context, status=status)


@role_required(STAFF)
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TotpDisableForm(request.POST)
    if form.is_valid():
        try:
            services.user_disable_totp(
                user=request.user, password=form.cleaned_data["password"], code=form.cleaned_data["otp"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Two-factor sign-in is off. You now sign in with your password alone.")
            return redirect("accounts:two_factor_settings")
    device = services.user_totp_device(request.user)
    return _render_two_factor_settings(request, device, TotpEnrolForm(), form)


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
            return redirect("portal:home" if user_has_role(request.user, PATIENT) else "dashboard")
    layout = "layouts/portal.html" if user_has_role(request.user, PATIENT) else "layouts/staff.html"
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
    context = {"form": form, "staff": user, "creating": False, "staff_device": services.user_totp_device(user)}
    return render(request, "accounts/staff_form.html", context)


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


@role_required(ADMIN)
@require_POST
def staff_two_factor_reset(request: HttpRequest, public_id: str) -> HttpResponse:
    """Lost phone: remove a staff member's authenticator so they can set up a new one."""
    user = get_object_or_404(User.objects.exclude(role=User.Role.PATIENT), public_id=public_id)
    try:
        services.user_reset_totp(actor=request.user, user=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Two-factor sign-in of {user.full_name} was reset. They set up their authenticator app again "
            "at their next sign-in (or from their account menu).",
        )
    return redirect("accounts:staff_edit", public_id=user.public_id)
