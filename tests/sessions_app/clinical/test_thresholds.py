"""Clinic thresholds: a prescriber changes one on the settings page with a reason, the change is
audited, and the gates use the new value at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from sessions_app.clinical.models.dosing import ClinicalSettingChange
from sessions_app.common.inputs import GateRefused

from .test_dosing_gates import give
from .test_monitoring_and_discharge import discharge, end_dose

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def long_idle_timeout(settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 6000


def test_a_threshold_changed_on_the_page_is_audited_and_moves_the_gate(personas, ready, clock, client_for) -> None:
    r = ready()
    page = reverse("sessions_app:clinical_settings")
    body = {"key": "observation_other_minutes", "value": "90", "reason": "New protocol after incident review"}
    assert client_for(personas.nurse).post(page, body).status_code == 403
    response = client_for(personas.prescriber).post(page, {**body, "reason": ""})
    assert response.status_code == 400
    assert not ClinicalSettingChange.objects.exists()
    assert client_for(personas.prescriber).post(page, body).status_code == 302
    change = ClinicalSettingChange.objects.get()
    assert (change.key, change.new_value, change.changed_by) == ("observation_other_minutes", 90, personas.prescriber)
    event = AuditEvent.objects.get(action="clinical_setting.changed")
    assert event.actor == personas.prescriber
    html = client_for(personas.nurse).get(page).content.decode()
    assert "observation_other_minutes: 60 → 90 by Dr. Priya Raman — New protocol after incident review" in html

    give(personas, r)
    clock.advance(minutes=40)
    end_dose(personas, r)
    clock.advance(minutes=75)  # enough under the default 60, not under the clinic's 90
    with pytest.raises(GateRefused) as exc:
        discharge(personas, r)
    assert "Only 75 minutes since the dose ended; discharge needs 90 minutes" in exc.value.message
