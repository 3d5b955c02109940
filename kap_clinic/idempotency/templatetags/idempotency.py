"""``{% idempotency_key_field %}``: the one-time key of a write form (see kap_clinic/idempotency/pages.py)."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..pages import FIELD

register = template.Library()


@register.simple_tag
def idempotency_key_field() -> SafeString:
    """A new key each time the form is drawn; sending the form twice sends the same key twice.

    A text input kept out of sight rather than ``type=hidden``: browsers put a changed text field's
    value back when the user returns to the page with "back" (app.js marks the key changed when the
    form is sent), so a form sent again from there still carries the key it was first sent with.
    """
    return format_html('<input type="text" name="{}" value="{}" hidden data-once-key>', FIELD, uuid.uuid4())
