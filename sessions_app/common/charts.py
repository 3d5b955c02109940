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


# Tick steps in minutes, finest first: the axis takes the finest one whose ticks stay far enough apart.
TICK_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
# An "HH:MM" label is about 32 px wide at the charts' 10 px font; the rest is the gap between labels.
MIN_TICK_SPACING = 46.0


def time_ticks(
    start: dt.datetime, end: dt.datetime, *, plot_width: float, min_spacing: float = MIN_TICK_SPACING
) -> list[tuple[float, str]]:
    """Time-axis ticks as (x from the plot's left edge, "HH:MM" in clinic time), left to right.

    The times ``start``..``end`` span ``plot_width`` px. Ticks fall on round clock times (every 1,
    2, 5, 10, 15, 30 … minutes, the finest step that keeps them ``min_spacing`` px apart), so two
    readings a minute apart or a dense session never print labels on top of each other. A span too
    short for two round times gets the first reading's time as well. Every tick is at least
    ``min_spacing`` px from the next and no label repeats (a fall-back hour or a span over a day
    would otherwise repeat one).
    """
    # In UTC: arithmetic on datetimes that share a zone is wall-clock arithmetic, wrong across DST.
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    seconds = max((end - start).total_seconds(), 0.0)
    if seconds == 0:
        return [(plot_width / 2, f"{clock.to_local(start):%H:%M}")]
    px_per_second = plot_width / seconds
    step = next((m for m in TICK_STEPS if m * 60 * px_per_second >= min_spacing), TICK_STEPS[-1])
    local = clock.to_local(start)
    since_midnight = dt.timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)
    since_midnight += dt.timedelta(microseconds=local.microsecond)
    first = start + (dt.timedelta(minutes=step) * -(-since_midnight // dt.timedelta(minutes=step)) - since_midnight)
    candidates = []
    at = first
    while at <= end:
        candidates.append(((at - start).total_seconds() * px_per_second, at))
        at += dt.timedelta(minutes=step)
    if len(candidates) < 2:
        candidates.insert(0, (0.0, start))
    ticks: list[tuple[float, str]] = []
    for x, at in candidates:
        label = f"{clock.to_local(at):%H:%M}"
        if ticks and (x - ticks[-1][0] < min_spacing or any(label == seen for _, seen in ticks)):
            continue
        ticks.append((x, label))
    return ticks


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
    end = dt.datetime.fromtimestamp(t0 + span, dt.UTC) if len(points) > 1 else points[0].at
    for offset, label in time_ticks(points[0].at, end, plot_width=plot_w):
        x = left + offset
        # Keep the end labels inside the picture: anchored at their edge when centring would spill.
        anchor = "start" if x - 17 < 0 else "end" if x + 17 > width else "middle"
        out.append(
            f'<line x1="{_fmt(x)}" y1="{top + plot_h}" x2="{_fmt(x)}" y2="{top + plot_h + 4}" stroke="#5c6b73"/>'
        )
        out.append(f'<text x="{_fmt(x)}" y="{top + plot_h + 15}" text-anchor="{anchor}" fill="#5c6b73">{label}</text>')
    # A narrow chart starts the legend left of the plot rather than let it run off the right edge.
    legend_width = sum(24 + 6 * len(label) for _, label, _ in SERIES)
    x = left if left + legend_width <= width else max(4, width - legend_width)
    for _, label, colour in SERIES:
        out.append(f'<rect x="{x}" y="{height - 14}" width="10" height="3" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{height - 10}" fill="#1c262b">{escape(label)}</text>')
        x += 24 + 6 * len(label)
    out.append("</svg>")
    return "".join(out)
