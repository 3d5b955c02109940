"""Page slots that higher apps fill without the lower app importing them.

The patient chart lives in ``patients`` but shows consent status (``consent``) and sessions
(``sessions_app``); the staff dashboard and the portal home gather panels from every app. An app
registers its panels in ``AppConfig.ready()``; the page renders them in ``order``.

A panel is a template plus a context function ``(request, **page_context) -> dict | None``;
returning ``None`` hides the panel (e.g. the viewer may not see it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# Slots: "chart_header" / "chart_main" (patient chart), "dashboard" (staff), "portal_home" (patients).
ContextFn = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: ContextFn
    order: int = 100


_registry: dict[str, dict[str, Panel]] = defaultdict(dict)


def register(slot: str, panel: Panel) -> None:
    _registry[slot][panel.name] = panel


def render_slot(slot: str, request: HttpRequest, **page_context: Any) -> list[SafeString]:
    rendered = []
    for panel in sorted(_registry[slot].values(), key=lambda p: (p.order, p.name)):
        extra = panel.context(request, **page_context)
        if extra is None:
            continue
        html = render_to_string(panel.template, {**page_context, **extra}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 - rendered by the template engine (autoescaped)
    return rendered
