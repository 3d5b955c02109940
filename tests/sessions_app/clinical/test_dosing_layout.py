"""What the dosing page's layout hangs on: the sticky vitals entry, labelled cells for the phone's
reading cards, a chart drawn for wide and for narrow screens, and who took each reading by name."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .test_dosing_gates import give
from .test_dosing_page import HX, _many_vitals

pytestmark = pytest.mark.django_db


def page(client, r) -> str:
    response = client.get(reverse("sessions_app:dosing", kwargs={"public_id": r.session.public_id}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_by_column_names_the_clinician_in_full(personas, ready, client_for) -> None:
    r = ready()
    give(personas, r)
    _many_vitals(r, personas.nurse, 3)
    html = page(client_for(personas.prescriber), r)
    by = re.findall(r'<td class="small vitals-by" data-label="By">([^<]*)</td>', html)
    assert by and set(by) == {personas.nurse.full_name}
    assert " " in personas.nurse.full_name  # a full name, not a username or initials


def test_the_vitals_form_sits_in_the_sticky_entry_and_the_cells_are_labelled(personas, ready, client_for) -> None:
    r = ready()
    give(personas, r)
    _many_vitals(r, personas.nurse, 2)
    html = page(client_for(personas.nurse), r)
    entry = html.index('<div class="vitals-entry">')
    assert entry < html.index('data-testid="vitals-form"') < html.index('data-testid="vitals-table"')
    row = html[html.index('data-testid="vitals-row"') :]
    row = row[: row.index("</tr>")]
    assert re.findall(r'data-label="(\w+)"', row) == ["Time", "BP", "HR", "SpO2", "RR", "Alert", "By"]


def test_the_trend_is_drawn_wide_and_narrow_with_readable_time_labels(personas, ready, client_for) -> None:
    r = ready()
    give(personas, r)
    _many_vitals(r, personas.nurse, 40)  # a reading a minute: labels would pile up if every one were printed
    html = page(client_for(personas.nurse), r)
    chart = html[html.index('data-testid="vitals-chart"') : html.index('data-testid="vitals-table"')]
    wide, narrow = chart.split('<div class="vitals-chart-narrow">')
    assert 'width="640"' in wide and 'width="330"' in narrow
    for drawing in (wide, narrow):
        labels = re.findall(r">(\d\d:\d\d)</text>", drawing)
        assert 2 <= len(labels) == len(set(labels))
    assert len(re.findall(r">(\d\d:\d\d)</text>", narrow)) < len(re.findall(r">(\d\d:\d\d)</text>", wide))


def test_the_board_partial_after_a_reading_keeps_the_layout_hooks(personas, ready, client_for) -> None:
    r = ready()
    url = reverse("sessions_app:dosing_action", kwargs={"public_id": r.session.public_id, "action": "vitals"})
    response = client_for(personas.nurse).post(url, {"systolic": "128", "diastolic": "80", "heart_rate": "70"}, **HX)
    html = response.content.decode()
    assert '<div class="vitals-entry">' in html and 'data-label="By"' in html
    assert personas.nurse.full_name in html
