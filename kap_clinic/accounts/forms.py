from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache

from kap_clinic.common import context

from .models import User


class EmailLoginForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    # One message for every failure, so the form never tells whether an email has an account.
    error_message = "That email and password do not match an active account."

    def __init__(self, request=None, *args, **kwargs) -> None:
        self.request = request
        self.user_cache: User | None = None
        super().__init__(*args, **kwargs)

    locked_message = "Too many failed sign-ins. Wait 15 minutes, or reset your password."

    def clean(self) -> dict:
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            email = email.strip().lower()
            key = self._failure_key(email)
            # Counted per email and address, for unknown emails too, so a lock-out tells nothing
            # about which emails have accounts and one attacker cannot lock a clinician out everywhere.
            if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
                raise forms.ValidationError(self.locked_message, code="too_many_attempts")
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_SECONDS)
                cache.incr(key)
                raise forms.ValidationError(self.error_message, code="invalid_login")
            cache.delete(key)
        elif not self.errors:
            raise forms.ValidationError(self.error_message, code="invalid_login")
        return cleaned

    @staticmethod
    def _failure_key(email: str) -> str:
        # Hashed: cache keys (Redis in production) should not carry email addresses.
        digest = hashlib.sha256(f"{email}|{context.current().ip}".encode()).hexdigest()
        return f"login-failures:{digest}"

    def get_user(self) -> User | None:
        return self.user_cache


class EmailPasswordResetForm(PasswordResetForm):
    def get_users(self, email: str):
        # Unlike Django's form, accounts without a usable password are included: an admin creates
        # staff without one, and "Forgot password" is how they choose their first password.
        return User.objects.filter(email=email.strip().lower(), is_active=True)


class PasswordChangeForm(forms.Form):
    """Field shapes only; the rules (current password, strength, difference) live in the service."""

    old_password = forms.CharField(
        label="Current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label="New password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label="New password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", "The two new passwords do not match.")
        return data


class StaffForm(forms.Form):
    email = forms.EmailField(max_length=254)
    full_name = forms.CharField(max_length=200)
    role = forms.ChoiceField(choices=[(User.Role.ADMIN, "Practice admin"), (User.Role.CLINICIAN, "Clinician")])
    discipline = forms.ChoiceField(choices=[("", "— (admins have none)"), *User.Discipline.choices], required=False)
    credentials = forms.CharField(max_length=50, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        strip=False,
        help_text="Leave blank to let the user choose a password through 'Forgot password'.",
    )


class StaffEditForm(StaffForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["password"]
        self.fields["email"].disabled = True


class OtpForm(forms.Form):
    """The 6-digit code from an authenticator app (sign-in code step and setting an app up)."""

    otp = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control-lg text-center font-monospace",
            }
        ),
    )


class TotpEnrolForm(OtpForm):
    """Setting an app up from the account menu: the current password is asked again (re-authentication)."""

    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    field_order = ["otp", "password"]


class TotpDisableForm(forms.Form):
    password = forms.CharField(
        label="Current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
