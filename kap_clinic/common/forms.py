from __future__ import annotations

from django import forms

from .errors import ApplicationError


def apply_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Show a service's domain error on the form field it names (or the whole form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
