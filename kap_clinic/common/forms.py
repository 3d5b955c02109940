from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .errors import ApplicationError


def apply_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Show a service's domain error on the form field it names (or the whole form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class PlainSelect(forms.Select):
    """A single-choice select rendered in Python, for flat choice lists on hot pages.

    Django's widget templates render every option through its own template include; a filter bar
    with a few dozen clinicians spent more time there than in its queries. Same markup, escaped the
    same way (format_html); no option groups.
    """

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(v), mark_safe(" selected") if str(v) in selected else "", label) for v, label in self.choices),
        )
        attributes = flatatt({k: v for k, v in final.items() if v is not False and v is not None})
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)
