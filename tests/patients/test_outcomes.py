"""Outcome series (baseline, response, remission) and the server-side SVG chart."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine

from patients import services
from patients.instruments import GAD7, PCL5, PHQ9
from patients.outcomes import outcome_chart_data, outcome_chart_svg, outcome_series, series_from_rows

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 5, 15, tzinfo=dt.UTC)


def rows(*totals: int) -> list[tuple[dt.datetime, int, str]]:
    return [(T0 + dt.timedelta(weeks=i), total, "x") for i, total in enumerate(totals)]


def test_the_first_result_is_the_baseline() -> None:
    series = series_from_rows(PHQ9, rows(20, 15))
    assert series.baseline.total == 20 and series.baseline.is_baseline
    assert series.response_threshold == 10


def test_response_is_a_drop_of_at_least_half_from_baseline() -> None:
    series = series_from_rows(PHQ9, rows(20, 11, 10, 6))
    assert [p.is_response for p in series.points] == [False, False, True, True]
    assert series.first_response.total == 10
    assert series.status == "response"
    assert series.change_percent == -70.0


def test_remission_is_phq9_or_gad7_below_5() -> None:
    phq = series_from_rows(PHQ9, rows(18, 5, 4))
    assert [p.is_remission for p in phq.points] == [False, False, True]
    assert phq.status == "remission"
    gad = series_from_rows(GAD7, rows(12, 4))
    assert gad.first_remission.total == 4


def test_pcl5_has_response_but_no_remission_cut() -> None:
    series = series_from_rows(PCL5, rows(50, 20, 2))
    assert series.remission_below is None
    assert not any(p.is_remission for p in series.points)
    assert series.points[-1].is_response


def test_a_zero_baseline_cannot_show_a_response() -> None:
    series = series_from_rows(PHQ9, rows(0, 0))
    assert series.response_threshold is None
    assert not series.points[1].is_response


def test_outcome_series_reads_non_voided_results_in_time_order(personas) -> None:
    patient = personas.demo_patient
    made = []
    for week, total in enumerate([18, 12, 8, 3]):
        with time_machine.travel(T0 + dt.timedelta(weeks=week), tick=False):
            answers = [min(3, max(0, total - 3 * i)) for i in range(9)]
            answers[8] = 0
            made.append(
                services.assessment_record(actor=personas.nurse, patient=patient, instrument="phq9", answers=answers)
            )
    services.assessment_void(actor=personas.prescriber, assessment=made[1], reason="Duplicate entry")
    series = outcome_series(patient, "phq9")
    assert [p.total for p in series.points] == [18, 8, 3]
    data = outcome_chart_data({"phq9": series})["phq9"]
    assert data["baseline"] == 18 and data["remission_below"] == 5 and data["status"] == "remission"
    assert [p["response"] for p in data["points"]] == [False, True, True]


def test_the_svg_chart_is_valid_standalone_svg_with_the_markers(personas) -> None:
    for week, item_score in enumerate([2, 1, 0]):
        with time_machine.travel(T0 + dt.timedelta(weeks=week), tick=False):
            services.assessment_record(
                actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[item_score] * 8 + [0]
            )
    svg = outcome_chart_svg(personas.demo_patient, "phq9")
    root = ET.fromstring(svg)  # noqa: S314 - our own output; checks it is well-formed
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "PHQ-9 over time" in svg
    assert "baseline 16" in svg
    assert "response ≤ 8" in svg
    assert "remission &lt; 5" in svg
    assert svg.count("<circle") >= 3
    assert "2026-01-05" in svg


def test_the_svg_chart_says_so_when_there_are_no_results(personas) -> None:
    svg = outcome_chart_svg(personas.demo_patient, "gad7")
    ET.fromstring(svg)  # noqa: S314 - our own output
    assert "No results yet" in svg


def test_the_svg_chart_takes_a_prebuilt_series_without_touching_the_database(django_assert_num_queries) -> None:
    series = series_from_rows(GAD7, rows(15, 9, 3))
    with django_assert_num_queries(0):
        svg = outcome_chart_svg(series, width=500, height=220)
    assert 'width="500"' in svg and "GAD-7" in svg


def test_svg_date_labels_never_print_on_top_of_each_other() -> None:
    # Four results where the last two are a day apart: the middle label would sit on the last one.
    at = [T0, T0 + dt.timedelta(days=20), T0 + dt.timedelta(days=30), T0 + dt.timedelta(days=31)]
    series = series_from_rows(PHQ9, [(when, total, "x") for when, total in zip(at, (20, 9, 14, 3), strict=True)])
    svg = outcome_chart_svg(series)
    assert ">2026-01-05</text>" in svg and ">2026-02-05</text>" in svg  # first and last always labelled
    assert ">2026-02-04</text>" not in svg  # the middle one, a day before the last, is left out
    three = series_from_rows(PHQ9, rows(20, 15, 9))
    assert ">2026-01-12</text>" in outcome_chart_svg(three)  # a middle label with room is kept
