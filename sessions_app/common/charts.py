"""Small server-side SVG charts for PDFs (no browser, no JavaScript, no network)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from kap_clinic.common import clock

SERIES = (
    ("systolic", "Systolic BP", "#b42318"),
    ("diastolic", "Diastolic BP", "#d97706"),
    ("heart_rate", "Heart rate", "#2d5f73"),
    ("spo2", "SpO\u2082 %", "#198754"),
)


@dataclass(frozen=True)
class VitalsPoint:
    at: dt.datetime
    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    spo2: int | None


def svg_data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def vitals_chart_svg(
    points: Sequence[VitalsPoint],
    *,
    width: int = 680,
    height: int = 260,
    limits: Sequence[tuple[float, str, str]] = (),
    title: str = "Vitals during the session",
) -> str:
    """BP, heart rate and SpO2 over the session on one 40–200 scale, times in clinic time.

    ``limits`` are (value, label, colour) drawn as dashed lines, e.g. the systolic alert limit."""
    left, right, top, bottom = 40, 14, 26, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [getattr(p, key) for p in points for key, _, _ in SERIES if getattr(p, key) is not None]
    y_min, y_max = 40, max(200, *(values or [0]))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="15" font-size="11.5" font-weight="bold" fill="#1c262b">{escape(title)}</text>',
    ]

    def y_of(v: float) -> float:
        return top + plot_h - (max(min(v, y_max), y_min) - y_min) / (y_max - y_min) * plot_h

    for tick in range(y_min, y_max + 1, 20):
        y = _fmt(y_of(tick))
        out.append(f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="#e3e8eb"/>')
        out.append(f'<text x="{left - 5}" y="{_fmt(y_of(tick) + 3.5)}" text-anchor="end" fill="#5c6b73">{tick}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#5c6b73"/>')
    for value, label, colour in limits:
        y = _fmt(y_of(value))
        out.append(
            f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="{colour}" stroke-dasharray="5 4"/>'
        )
        out.append(f'<text x="{left + 4}" y="{_fmt(y_of(value) - 3)}" fill="{colour}">{escape(label)}</text>')
    if not points:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#5c6b73">'
            "No vitals recorded</text></svg>"
        )
        return "".join(out)
    t0 = points[0].at.timestamp()
    span = max(points[-1].at.timestamp() - t0, 60.0)

    def x_of(at: dt.datetime) -> float:
        return left + (at.timestamp() - t0) / span * plot_w if len(points) > 1 else left + plot_w / 2

    for key, _, colour in SERIES:
        coords = [(x_of(p.at), y_of(getattr(p, key))) for p in points if getattr(p, key) is not None]
        if len(coords) > 1:
            path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        for x, y in coords:
            out.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.6" fill="{colour}"/>')
    # Time labels: every reading when few, else first, middle, last.
    labelled = points if len(points) <= 8 else [points[0], points[len(points) // 2], points[-1]]
    for p in labelled:
        out.append(
            f'<text x="{_fmt(x_of(p.at))}" y="{top + plot_h + 13}" text-anchor="middle" fill="#5c6b73">'
            f"{clock.to_local(p.at):%H:%M}</text>"
        )
    x = left
    for _, label, colour in SERIES:
        out.append(f'<rect x="{x}" y="{height - 14}" width="10" height="3" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{height - 10}" fill="#1c262b">{escape(label)}</text>')
        x += 24 + 6 * len(label)
    out.append("</svg>")
    return "".join(out)
