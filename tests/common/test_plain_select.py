"""PlainSelect renders exactly what Django's template-rendered Select does, without the templates."""

from __future__ import annotations

import pytest
from django import forms

from kap_clinic.common.forms import PlainSelect

CHOICES = [("", "Any status"), ("active", "Active & <current>"), ("7", "Seven"), ("b", 'Quote "b"')]


@pytest.mark.parametrize("value", ["active", "", None, 7, "missing"])
def test_the_markup_matches_djangos_select(value) -> None:
    attrs = {"class": "form-select form-select-sm", "data-x": "1"}
    expected = forms.Select(attrs=attrs, choices=CHOICES).render("status", value, attrs={"id": "id_status"})
    got = PlainSelect(attrs=attrs, choices=CHOICES).render("status", value, attrs={"id": "id_status"})
    assert got == expected.replace("\n", "").replace("  ", "")


def test_a_bound_form_field_selects_the_submitted_value() -> None:
    class Filter(forms.Form):
        status = forms.ChoiceField(required=False, choices=CHOICES, widget=PlainSelect)

    html = str(Filter({"status": "7"})["status"])
    assert '<option value="7" selected>Seven</option>' in html
    assert 'id="id_status"' in html and "&lt;current&gt;" in html
