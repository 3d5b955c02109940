"""Outcomes over time per patient and instrument: baseline, response and remission.

- baseline: the first non-voided result for the instrument;
- response: a later result at least 50% below the baseline total (baseline above 0);
- remission: a later result below the instrument's remission cut (PHQ-9 < 5, GAD-7 < 5).

``outcome_series`` is the data; the chart page draws it with Chart.js (``outcome_chart_data``)
and PDFs embed ``outcome_chart_svg`` (pure Python, no browser, no JavaScript). Both read the
same series, so the page and the report never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from typing import Any

from kap_clinic.common.clock import clinic_date

from .instruments import REGISTRY, Instrument, get_instrument
from .models import Assessment, Patient

RESPONSE_FRACTION = 0.5


@dataclass(frozen=True)
class OutcomePoint:
    at: dt.datetime
    total: int
    severity: str
    is_baseline: bool = False
    is_response: bool = False
    is_remission: bool = False


@dataclass(frozen=True)
class OutcomeSeries:
    instrument: Instrument
    points: list[OutcomePoint] = field(default_factory=list)

    @property
    def baseline(self) -> OutcomePoint | None:
        return self.points[0] if self.points else None

    @property
    def latest(self) -> OutcomePoint | None:
        return self.points[-1] if self.points else None

    @property
    def response_threshold(self) -> float | None:
        """Totals at or below this are a response (≥ 50% drop from baseline)."""
        if not self.baseline or self.baseline.total <= 0:
            return None
        return self.baseline.total * RESPONSE_FRACTION

    @property
    def remission_below(self) -> int | None:
        return self.instrument.remission_below

    @property
    def first_response(self) -> OutcomePoint | None:
        return next((p for p in self.points if p.is_response), None)

    @property
    def first_remission(self) -> OutcomePoint | None:
        return next((p for p in self.points if p.is_remission), None)

    @property
    def change_percent(self) -> float | None:
        """Change of the latest result from baseline, in percent (negative = better)."""
        if not self.baseline or not self.latest or self.baseline.total == 0 or len(self.points) < 2:
            return None
        return round((self.latest.total - self.baseline.total) / self.baseline.total * 100, 1)

    @property
    def status(self) -> str:
        """ "remission", "response", "no response" or "" (fewer than two results) for the latest result."""
        latest = self.latest
        if not latest or len(self.points) < 2:
            return ""
        if latest.is_remission:
            return "remission"
        if latest.is_response:
            return "response"
        return "no response"


def series_from_rows(instrument: Instrument, rows: Iterable[tuple[dt.datetime, int, str]]) -> OutcomeSeries:
    """Build a series from (administered_at, total, severity) rows in time order."""
    rows = list(rows)
    if not rows:
        return OutcomeSeries(instrument, [])
    baseline_total = rows[0][1]
    threshold = baseline_total * RESPONSE_FRACTION if baseline_total > 0 else None
    points = [OutcomePoint(rows[0][0], rows[0][1], rows[0][2], is_baseline=True)]
    for at, total, severity in rows[1:]:
        points.append(
            OutcomePoint(
                at,
                total,
                severity,
                is_response=threshold is not None and total <= threshold,
                is_remission=instrument.remission_below is not None and total < instrument.remission_below,
            )
        )
    return OutcomeSeries(instrument, points)


def _rows(patient: Patient, codes: list[str]) -> dict[str, list[tuple[dt.datetime, int, str]]]:
    # One query for every charted instrument; only the three columns the chart needs.
    found: dict[str, list[tuple[dt.datetime, int, str]]] = {code: [] for code in codes}
    qs = (
        Assessment.objects.filter(patient=patient, instrument__in=codes, voided_at__isnull=True)
        .order_by("administered_at", "id")
        .values_list("instrument", "administered_at", "total", "severity")
    )
    for code, at, total, severity in qs:
        found[code].append((at, total, severity))
    return found


def outcome_series(patient: Patient, instrument: str) -> OutcomeSeries:
    definition = get_instrument(instrument)
    return series_from_rows(definition, _rows(patient, [definition.code])[definition.code])


def outcome_series_all(patient: Patient) -> dict[str, OutcomeSeries]:
    """Series for every charted instrument (PHQ-9, GAD-7, PCL-5), in registry order, in one query."""
    codes = [code for code, i in REGISTRY.items() if i.charted]
    rows = _rows(patient, codes)
    return {code: series_from_rows(REGISTRY[code], rows[code]) for code in codes}


def outcome_chart_data(series_by_code: dict[str, OutcomeSeries]) -> dict[str, Any]:
    """JSON for static/js/patient_outcomes.js (Chart.js); times are epoch milliseconds."""
    data = {}
    for code, series in series_by_code.items():
        instrument = series.instrument
        data[code] = {
            "label": instrument.short_name,
            "max": instrument.max_total,
            "points": [
                {
                    "x": int(p.at.timestamp() * 1000),
                    "date": clinic_date(p.at).isoformat(),
                    "y": p.total,
                    "severity": instrument.band_label(p.severity),
                    "baseline": p.is_baseline,
                    "response": p.is_response,
                    "remission": p.is_remission,
                }
                for p in series.points
            ],
            "baseline": series.baseline.total if series.baseline else None,
            "response_threshold": series.response_threshold,
            "remission_below": series.remission_below,
            "status": series.status,
            "change_percent": series.change_percent,
        }
    return data


# --- server-side SVG ------------------------------------------------------------------------

COLOURS = {
    "line": "#2d5f73",
    "point": "#2d5f73",
    "baseline": "#6c757d",
    "response": "#d97706",
    "remission": "#198754",
    "grid": "#dee2e6",
    "text": "#343a40",
    "muted": "#6c757d",
}


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class _ChartFrame:
    """Where totals and times land on the SVG: the plot area inside the margins."""

    width: int
    height: int
    y_max: float
    times: tuple[float, ...]
    left: int = 44
    right: int = 16
    top: int = 30
    bottom: int = 58
    inset: int = 8  # keeps the first and last markers inside the axes

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def y_of(self, total: float) -> float:
        return self.top + self.plot_h - (total / self.y_max) * self.plot_h

    @cached_property
    def _time_range(self) -> tuple[float, float]:
        t0, t1 = (min(self.times), max(self.times)) if self.times else (0.0, 1.0)
        return t0, (t1 - t0) or 1.0

    def x_of(self, ts: float) -> float:
        if len(self.times) == 1:
            return self.left + self.plot_w / 2
        t0, span = self._time_range
        return self.left + self.inset + (ts - t0) / span * (self.plot_w - 2 * self.inset)


def outcome_chart_svg(
    patient: Patient | OutcomeSeries, instrument: str | None = None, *, width: int = 640, height: int = 280
) -> str:
    """The outcome chart as a standalone SVG document (for PDFs and <img> tags).

    Pass a patient and an instrument code, or an ``OutcomeSeries`` already built. The chart draws
    the totals over time, a dashed baseline, the response line (50% of baseline), the remission line
    where the instrument has one, and marks the results that meet response or remission.
    """
    if isinstance(patient, OutcomeSeries):
        series = patient
    else:
        if instrument is None:
            raise TypeError("outcome_chart_svg(patient, instrument): the instrument code is required")
        series = outcome_series(patient, instrument)
    inst = series.instrument
    y_max = inst.max_total or max((p.total for p in series.points), default=1) or 1
    frame = _ChartFrame(width, height, y_max, tuple(p.at.timestamp() for p in series.points))
    out = _chart_axes(series, frame)
    if not series.points:
        out.append(
            f'<text x="{frame.left + frame.plot_w / 2}" y="{frame.top + frame.plot_h / 2}" text-anchor="middle" '
            f'fill="{COLOURS["muted"]}">No results yet</text></svg>'
        )
        return "".join(out)
    out += _chart_thresholds(series, frame)
    out += _chart_points(series, frame)
    out += _chart_date_labels(series, frame)
    out += _chart_legend(series, frame)
    out.append("</svg>")
    return "".join(out)


def _chart_axes(series: OutcomeSeries, frame: _ChartFrame) -> list[str]:
    """The SVG head, title, the horizontal grid at the band edges (labelled with totals) and the axes."""
    inst, left, top, plot_w, plot_h = series.instrument, frame.left, frame.top, frame.plot_w, frame.plot_h
    width, height, y_max = frame.width, frame.height, frame.y_max
    title = f"{inst.short_name} over time"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="18" font-size="13" font-weight="bold" fill="{COLOURS["text"]}">{escape(title)}</text>',
    ]
    ticks = sorted(
        {0, y_max} | {b.min_total for b in inst.bands if b.min_total is not None and 0 < b.min_total < y_max}
    )
    for tick in ticks:
        y = frame.y_of(tick)
        out.append(f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" stroke="{COLOURS["grid"]}"/>')
        out.append(f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end" fill="{COLOURS["muted"]}">{tick}</text>')
    out.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{COLOURS["muted"]}"/>'
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{COLOURS["muted"]}"/>'
    )
    return out


def _chart_thresholds(series: OutcomeSeries, frame: _ChartFrame) -> list[str]:
    """Dashed lines for the baseline, the response threshold and the remission cut-off."""
    out: list[str] = []
    left, plot_w = frame.left, frame.plot_w

    def hline(value: float, colour: str, dash: str, label: str) -> None:
        y = _fmt(frame.y_of(value))
        out.append(
            f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="{dash}"/>'
        )
        out.append(
            f'<text x="{left + plot_w - 4}" y="{_fmt(frame.y_of(value) - 4)}" text-anchor="end" '
            f'fill="{colour}">{escape(label)}</text>'
        )

    baseline = series.points[0]
    hline(baseline.total, COLOURS["baseline"], "6 4", f"baseline {baseline.total}")
    if series.response_threshold is not None:
        hline(series.response_threshold, COLOURS["response"], "3 3", f"response ≤ {_fmt(series.response_threshold)}")
    if series.remission_below is not None:
        hline(series.remission_below, COLOURS["remission"], "2 4", f"remission < {series.remission_below}")
    return out


def _chart_points(series: OutcomeSeries, frame: _ChartFrame) -> list[str]:
    """The line through the totals and a marker per result (larger where it meets response or remission)."""
    out: list[str] = []
    coords = [(frame.x_of(p.at.timestamp()), frame.y_of(p.total)) for p in series.points]
    if len(coords) > 1:
        path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)
        out.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS["line"]}" stroke-width="2"/>')
    for point, (x, y) in zip(series.points, coords, strict=True):
        if point.is_remission:
            colour, radius = COLOURS["remission"], 5
        elif point.is_response:
            colour, radius = COLOURS["response"], 5
        else:
            colour, radius = COLOURS["point"], 3.5
        label = f"{clinic_date(point.at):%Y-%m-%d}: {point.total} ({series.instrument.band_label(point.severity)})"
        out.append(
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{radius}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
            f"<title>{escape(label)}</title></circle>"
        )
    return out


def _chart_date_labels(series: OutcomeSeries, frame: _ChartFrame) -> list[str]:
    """First and last dates, and the middle one when it does not overlap them (results a day apart sit a
    few pixels from each other, and their dates would print on top of each other)."""
    out: list[str] = []
    left, plot_w = frame.left, frame.plot_w
    label_points = [series.points[0], series.points[-1]]
    if len(series.points) > 2:
        label_points.append(series.points[len(series.points) // 2])
    label_width = 66  # "YYYY-MM-DD" at 11 px, with a little air
    placed: list[tuple[float, float]] = []
    seen: set[str] = set()
    for point in label_points:
        text = f"{clinic_date(point.at):%Y-%m-%d}"
        if text in seen:
            continue
        x = frame.x_of(point.at.timestamp())
        anchor = "start" if x < left + 30 else "end" if x > left + plot_w - 30 else "middle"
        x0 = x if anchor == "start" else x - label_width if anchor == "end" else x - label_width / 2
        if any(x0 < b and a < x0 + label_width for a, b in placed):
            continue
        placed.append((x0, x0 + label_width))
        seen.add(text)
        out.append(
            f'<text x="{_fmt(x)}" y="{frame.top + frame.plot_h + 16}" text-anchor="{anchor}" '
            f'fill="{COLOURS["muted"]}">{text}</text>'
        )
    return out


def _chart_legend(series: OutcomeSeries, frame: _ChartFrame) -> list[str]:
    out: list[str] = []
    legend_y = frame.height - 14
    items = [(COLOURS["point"], "result"), (COLOURS["response"], "response (≥ 50% drop)")]
    if series.remission_below is not None:
        items.append((COLOURS["remission"], f"remission (< {series.remission_below})"))
    x: float = frame.left
    for colour, text in items:
        out.append(f'<circle cx="{x + 5}" cy="{legend_y - 4}" r="4.5" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{legend_y}" fill="{COLOURS["text"]}">{escape(text)}</text>')
        x += 24 + 6.2 * len(text)
    return out
