"""What the scheduling pages share: query parameters that name a clinician or a room, and a safe ``next``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from kap_clinic.accounts.models import User
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Room


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def clinician_param(request: HttpRequest) -> User | None:
    value = request.GET.get("clinician")
    if not value:
        return None
    return selectors.active_clinicians().filter(public_id=uuid_or_404(value)).first() or not_found()


def room_param(request: HttpRequest) -> Room | None:
    value = request.GET.get("room")
    if not value:
        return None
    return Room.objects.filter(public_id=uuid_or_404(value)).first() or not_found()


def uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404("Not a valid id.") from None


def not_found() -> Any:
    raise Http404("Not found.")


_SENTINEL = uuid.UUID(int=0)


def url_for_each(name: str) -> Callable[[uuid.UUID], str]:
    """A fast ``reverse(name, args=[public_id])`` for long lists: the URL is reversed once with a
    placeholder id and each row's id is put in its place (a day of a busy clinic has hundreds)."""
    pattern = reverse(name, args=[_SENTINEL])
    placeholder = str(_SENTINEL)
    return lambda public_id: pattern.replace(placeholder, str(public_id))
