from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import User


def _admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin site signs in through our login (password, then the second factor), never its own form."""
    if request.user.is_authenticated:
        # Signed in but not allowed in the admin site: our login would send them straight back here.
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or "/django-admin/")


admin.site.login = _admin_login


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "discipline")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "discipline", "is_active"]
    list_filter = ["role", "discipline", "is_active"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        ("Profile", {"fields": ["full_name", "role", "discipline", "credentials"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "deactivated_at"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "discipline", "password1", "password2"]})
    ]
