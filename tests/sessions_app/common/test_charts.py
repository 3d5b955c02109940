"""The vitals chart's time axis: round clock times, never two labels on top of each other."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo

import pytest

from sessions_app.common.charts import MIN_TICK_SPACING, VitalsPoint, time_ticks, vitals_chart_svg

NY = zoneinfo.ZoneInfo("America/New_York")
PLOT = 586.0  # the dosing page's chart: 640 px wide less the margins


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.CLINIC_TIME_ZONE = "America/New_York"


def at(day: int, hour: int, minute: int, second: int = 0, *, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=NY)


def assert_readable(ticks: list[tuple[float, str]], plot_width: float = PLOT) -> None:
    """Labels in order, inside the plot, at least the minimum spacing apart, none repeated."""
    xs = [x for x, _ in ticks]
    labels = [label for _, label in ticks]
    assert ticks, "at least one time label"
    assert all(0 <= x <= plot_width for x in xs)
    assert all(b - a >= MIN_TICK_SPACING for a, b in itertools.pairwise(xs)), ticks
    assert len(set(labels)) == len(labels), ticks
    assert all(re.fullmatch(r"\d\d:\d\d", label) for label in labels)


def test_a_dense_session_gets_round_times_far_enough_apart() -> None:
    # Readings every minute for 75 minutes (an alert being watched): one label a minute would overlap.
    ticks = time_ticks(at(3, 9, 44, 20), at(3, 10, 59, 5), plot_width=PLOT)
    assert_readable(ticks)
    assert [label for _, label in ticks] == ["09:50", "10:00", "10:10", "10:20", "10:30", "10:40", "10:50"]


def test_the_narrow_phone_chart_picks_a_coarser_step() -> None:
    ticks = time_ticks(at(3, 9, 44), at(3, 10, 59), plot_width=306)
    assert_readable(ticks, 306)
    assert [label for _, label in ticks] == ["09:45", "10:00", "10:15", "10:30", "10:45"]


def test_readings_across_midnight() -> None:
    ticks = time_ticks(at(3, 23, 40), at(4, 0, 55), plot_width=PLOT)
    assert_readable(ticks)
    labels = [label for _, label in ticks]
    assert labels[:3] == ["23:40", "23:50", "00:00"]
    assert labels[-1] == "00:50"


def test_two_readings_a_minute_apart_get_two_distinct_labels() -> None:
    # The chart stretches a span under a minute to one minute; both ends once, never "00:4200:42".
    start = at(3, 0, 42, 10)
    ticks = time_ticks(start, start + dt.timedelta(seconds=60), plot_width=PLOT)
    assert_readable(ticks)
    assert [label for _, label in ticks] == ["00:42", "00:43"]


def test_two_readings_in_the_same_minute_in_the_drawn_chart() -> None:
    points = [
        VitalsPoint(at(3, 0, 42, 5), 130, 80, 70, 98),
        VitalsPoint(at(3, 0, 42, 40), 131, 81, 71, 98),
    ]
    svg = vitals_chart_svg(points, width=640, height=220)
    labels = re.findall(r">(\d\d:\d\d)</text>", svg)
    assert labels == sorted(set(labels))
    assert "00:4200:42" not in svg


def test_a_long_session_uses_hour_steps() -> None:
    ticks = time_ticks(at(3, 8, 5), at(3, 17, 55), plot_width=PLOT)
    assert_readable(ticks)
    assert [label for _, label in ticks][:2] == ["09:00", "10:00"]


def test_more_than_a_day_never_repeats_a_label() -> None:
    ticks = time_ticks(at(3, 8, 0), at(6, 8, 0), plot_width=PLOT)
    assert_readable(ticks)


def test_the_spring_forward_hour() -> None:
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT. The axis steps over the missing hour.
    ticks = time_ticks(at(8, 1, 35), at(8, 3, 40), plot_width=PLOT)
    assert_readable(ticks)
    labels = [label for _, label in ticks]
    assert labels == sorted(labels)
    assert not any(label.startswith("02:") for label in labels)


def test_the_fall_back_hour_does_not_print_a_time_twice() -> None:
    # 1 November 2026: 02:00 EDT falls back to 01:00 EST, so 01:10 happens twice.
    start = dt.datetime(2026, 11, 1, 0, 50, tzinfo=NY)
    ticks = time_ticks(start, start + dt.timedelta(minutes=120), plot_width=PLOT)
    assert_readable(ticks)


def test_a_single_reading_is_labelled_in_the_middle() -> None:
    assert time_ticks(at(3, 9, 0), at(3, 9, 0), plot_width=PLOT) == [(PLOT / 2, "09:00")]


def test_labels_stay_inside_the_picture() -> None:
    points = [VitalsPoint(at(3, 9, 0) + dt.timedelta(minutes=5 * i), 130, 80, 70, 98) for i in range(13)]
    svg = vitals_chart_svg(points, width=360, height=230)
    xs = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*>\d\d:\d\d</text>', svg)]
    assert xs and min(xs) >= 0 and max(xs) <= 360
