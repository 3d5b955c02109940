"""The staff pages: list, registration, chart, questionnaires, intake, eligibility, alerts, medications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from patients import services
from patients.models import Assessment, EligibilityDecision, IntakeAssessment, Patient, SafetyFlag

from .factories import make_intake

pytestmark = pytest.mark.django_db


def chart(patient) -> str:
    return reverse("patients:detail", args=[patient.public_id])


def phq9_post(*answers: int, when: str = "2026-11-20T10:30") -> dict[str, str]:
    return {**{f"item_{i}": str(a) for i, a in enumerate(answers)}, "administered_at": when}


# --- list ------------------------------------------------------------------------------------


def test_the_list_searches_and_filters_and_marks_open_alerts(personas, client_for) -> None:
    services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [1]
    )
    client = client_for(personas.prescriber)
    html = client.get(reverse("patients:list"), {"q": "ellis"}).content.decode()
    assert "Ellis, Jordan" in html and "Reyes" not in html
    assert 'data-testid="row-safety-flag"' in html
    html = client.get(reverse("patients:list"), {"status": "screening"}).content.decode()
    assert "Reyes, Morgan" in html and "Ellis, Jordan" not in html


def test_the_list_sorts_on_allow_listed_columns_and_shows_a_bad_sort_as_an_error(personas, client_for) -> None:
    client = client_for(personas.prescriber)
    response = client.get(reverse("patients:list"), {"sort": "-dob"})
    names = [p.legal_last_name for p in response.context["page"]]
    dobs = [p.date_of_birth for p in response.context["page"]]
    assert dobs == sorted(dobs, reverse=True) and names
    response = client.get(reverse("patients:list"), {"sort": "password"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_an_htmx_search_returns_just_the_table(personas, client_for) -> None:
    response = client_for(personas.nurse).get(reverse("patients:list"), {"q": "ok"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Okafor" in html and '<nav class="navbar' not in html
    assert response["Vary"].find("HX-Request") >= 0


def test_admins_see_no_condition_column_or_alert_marks(personas, client_for) -> None:
    services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [1]
    )
    html = client_for(personas.admin).get(reverse("patients:list"), {"condition": "ptsd"}).content.decode()
    assert "Conditions</th>" not in html and "row-safety-flag" not in html
    assert "Ellis, Jordan" in html  # the condition filter is not applied for admins


def test_every_list_view_is_audited(personas, client_for) -> None:
    client_for(personas.therapist).get(reverse("patients:list"))
    assert AuditEvent.objects.filter(action="patient.listed", actor=personas.therapist).exists()


# --- registration and edit ----------------------------------------------------------------------


def test_registering_through_the_form_and_seeing_errors_on_the_field(personas, client_for) -> None:
    client = client_for(personas.admin)
    data = {"legal_first_name": "Ola", "legal_last_name": "Berg", "date_of_birth": "1979-02-03", "mobile": "12"}
    response = client.post(reverse("patients:create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    data["mobile"] = "+1 555 444 3333"
    response = client.post(reverse("patients:create"), data)
    patient = Patient.objects.get(legal_last_name="Berg")
    assert response.status_code == 302 and response["Location"] == chart(patient)
    assert patient.mobile == "+15554443333"


def test_the_edit_form_hides_clinical_fields_from_admins(personas, client_for) -> None:
    url = reverse("patients:edit", args=[personas.demo_patient.public_id])
    assert "allergies" not in client_for(personas.admin).get(url).context["form"].fields
    assert "allergies" in client_for(personas.nurse).get(url).context["form"].fields


# --- chart -----------------------------------------------------------------------------------


def test_the_chart_shows_header_outcomes_results_and_timeline_to_the_care_team(personas, client_for) -> None:
    patient = personas.demo_patient
    services.patient_update(actor=personas.nurse, patient=patient, allergies="Penicillin")
    services.medication_add(actor=personas.prescriber, patient=patient, name="Lorazepam 0.5 mg")
    services.assessment_record(actor=personas.nurse, patient=patient, instrument="phq9", answers=[2] * 8 + [0])
    response = client_for(personas.therapist).get(chart(patient))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Penicillin" in html and "Benzodiazepine" in html
    assert 'id="outcome-data"' in html and "chart.umd.min.js" in html and "js/patient_outcomes.js" in html
    assert response.context["chart_data"]["phq9"]["baseline"] == 16
    assert "PHQ-9: 16 (Moderately severe)" in html  # timeline entry
    assert 'data-testid="record-phq9"' in html
    assert AuditEvent.objects.filter(action="patient.viewed", actor=personas.therapist).exists()


def test_an_admin_chart_has_demographics_but_no_clinical_content(personas, client_for) -> None:
    patient = personas.demo_patient
    services.patient_update(actor=personas.nurse, patient=patient, allergies="Penicillin")
    services.assessment_record(actor=personas.nurse, patient=patient, instrument="phq9", answers=[0] * 8 + [2])
    html = client_for(personas.admin).get(chart(patient)).content.decode()
    assert "Ellis" in html and patient.mrn in html
    for clinical in ("Penicillin", "outcome-data", "Questionnaires", "Safety alert", "Eligibility"):
        assert clinical not in html, clinical


def test_the_outsider_gets_404_for_the_chart_and_its_pages(personas, client_for) -> None:
    client = client_for(personas.outsider)
    pid = personas.demo_patient.public_id
    for name, extra in [
        ("patients:detail", []),
        ("patients:edit", []),
        ("patients:assessment_list", []),
        ("patients:assessment_create", ["phq9"]),
        ("patients:intake_create", []),
        ("patients:eligibility_decide", []),
        ("patients:medications", []),
        ("patients:outcome_svg", ["phq9"]),
    ]:
        assert client.get(reverse(name, args=[pid, *extra])).status_code == 404, name


# --- questionnaires --------------------------------------------------------------------------


def test_recording_a_phq9_on_the_chart_shows_score_and_band(personas, client_for) -> None:
    client = client_for(personas.prescriber)
    url = reverse("patients:assessment_create", args=[personas.demo_patient.public_id, "phq9"])
    form = client.get(url)
    assert form.status_code == 200 and "Little interest or pleasure" in form.content.decode()
    response = client.post(url, phq9_post(2, 2, 1, 1, 2, 1, 1, 1, 0), follow=True)
    html = response.content.decode()
    assert "PHQ-9 recorded: 11 — Moderate." in html
    assert Assessment.objects.get().total == 11


def test_an_item_9_answer_warns_and_raises_the_alert_on_chart_and_dashboard(personas, client_for) -> None:
    client = client_for(personas.prescriber)
    url = reverse("patients:assessment_create", args=[personas.demo_patient.public_id, "phq9"])
    html = client.post(url, phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 2), follow=True).content.decode()
    assert "A safety alert was raised" in html
    assert 'data-testid="chart-safety-flags"' in html
    dashboard = client_for(personas.nurse).get(reverse("dashboard")).content.decode()
    assert 'data-testid="safety-alert"' in dashboard and "Jordie Ellis" in dashboard
    outsider = client_for(personas.outsider).get(reverse("dashboard")).content.decode()
    assert 'data-testid="safety-alert"' not in outsider


def test_a_missing_answer_is_shown_on_its_item_and_nothing_is_saved(personas, client_for) -> None:
    url = reverse("patients:assessment_create", args=[personas.demo_patient.public_id, "phq9"])
    data = phq9_post(1, 1, 1, 1, 1, 1, 1, 1, 1)
    del data["item_4"]
    response = client_for(personas.nurse).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["item_4"] == ["Answer PHQ-9 item 5."]
    assert not Assessment.objects.exists()


def test_a_cssrs_inconsistency_from_the_service_lands_on_the_item(personas, client_for) -> None:
    url = reverse("patients:assessment_create", args=[personas.demo_patient.public_id, "cssrs_screen"])
    data = {f"item_{i}": "False" for i in range(7)} | {"item_2": "True", "administered_at": "2026-11-20T10:00"}
    response = client_for(personas.nurse).post(url, data)
    assert response.status_code == 200
    assert "must be 'no' when Q2" in response.context["form"].errors["item_2"][0]


def test_an_unknown_instrument_page_is_a_404(personas, client_for) -> None:
    url = reverse("patients:assessment_create", args=[personas.demo_patient.public_id, "madrs"])
    assert client_for(personas.nurse).get(url).status_code == 404


def test_the_result_page_shows_answers_and_voiding_keeps_the_row(personas, client_for) -> None:
    result = services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="gad7", answers=[3, 2, 1, 0, 0, 0, 0]
    )
    url = reverse("patients:assessment_detail", args=[personas.demo_patient.public_id, result.public_id])
    html = client_for(personas.prescriber).get(url).content.decode()
    assert "Nearly every day (3)" in html and "Mild" in html
    void = reverse("patients:assessment_void", args=[personas.demo_patient.public_id, result.public_id])
    client_for(personas.prescriber).post(void, {"reason": "Duplicate"})
    result.refresh_from_db()
    assert result.is_voided and result.void_reason == "Duplicate"


def test_acknowledging_an_alert_on_the_page_closes_it_everywhere(personas, client_for) -> None:
    services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [3]
    )
    flag = SafetyFlag.objects.get()
    url = reverse("patients:safety_flag_acknowledge", args=[personas.demo_patient.public_id, flag.public_id])
    client = client_for(personas.therapist)
    assert client.post(url, {"note": ""}).context["form"].errors["note"]
    response = client.post(url, {"note": "Phoned; safety plan in place; seen tomorrow."})
    assert response.status_code == 302
    assert 'data-testid="safety-alert"' not in client.get(reverse("dashboard")).content.decode()
    assert "chart-safety-flags" not in client.get(chart(personas.demo_patient)).content.decode()


# --- intake and eligibility ------------------------------------------------------------------


def intake_post(*present: str) -> dict[str, str]:
    data = {
        "assessed_at": "2026-11-20T09:00",
        "bp_systolic": "126",
        "bp_diastolic": "80",
        "failed_antidepressant_trials": "3",
        **{f"cssrs-item_{i}": "False" for i in range(7)},
    }
    data.update({f"ci_{code}": "on" for code in present})
    return data


def test_an_intake_through_the_form_records_the_checklist_and_the_screen(personas, client_for) -> None:
    url = reverse("patients:intake_create", args=[personas.demo_patient.public_id])
    client = client_for(personas.nurse)
    assert "Aneurysmal vascular disease" in client.get(url).content.decode()
    response = client.post(url, intake_post("pregnancy", "cystitis"), follow=True)
    html = response.content.decode()
    intake = IntakeAssessment.objects.get()
    assert (
        intake.contraindications["pregnancy"] is True
        and intake.contraindications["aneurysmal_vascular_disease"] is False
    )
    assert intake.suicide_screen.severity == "none"
    assert 'data-testid="absolute-contraindications"' in html and "Pregnancy" in html


def test_an_intake_with_an_inconsistent_screen_is_refused_on_the_form(personas, client_for) -> None:
    url = reverse("patients:intake_create", args=[personas.demo_patient.public_id])
    data = intake_post() | {"cssrs-item_6": "True"}
    response = client_for(personas.nurse).post(url, data)
    assert response.status_code == 200
    assert "Q6b" in " ".join(response.context["form"].screen_form.non_field_errors())
    assert not IntakeAssessment.objects.exists()


def test_eligible_is_refused_on_the_page_listing_the_absolute_contraindications(personas, client_for) -> None:
    make_intake(personas.demo_patient, personas.nurse, "intracerebral_hemorrhage", "ketamine_hypersensitivity")
    url = reverse("patients:eligibility_decide", args=[personas.demo_patient.public_id])
    client = client_for(personas.prescriber)
    assert 'data-testid="absolute-contraindications"' in client.get(url).content.decode()
    response = client.post(url, {"decision": "eligible", "rationale": "Strong candidate"})
    assert response.status_code == 200
    errors = response.context["form"].errors["decision"][0]
    assert "History of intracerebral hemorrhage" in errors and "Hypersensitivity to ketamine" in errors
    assert not EligibilityDecision.objects.exists()
    response = client.post(url, {"decision": "not_eligible", "rationale": "Prior ICH"})
    assert response.status_code == 302
    personas.demo_patient.refresh_from_db()
    assert personas.demo_patient.status == "not_eligible"


def test_only_prescribers_open_the_eligibility_page(personas, client_for) -> None:
    make_intake(personas.demo_patient, personas.nurse)
    url = reverse("patients:eligibility_decide", args=[personas.demo_patient.public_id])
    assert client_for(personas.nurse).get(url).status_code == 403
    assert client_for(personas.admin).get(url).status_code == 403
    assert client_for(personas.outsider).get(url).status_code == 404


def test_an_invalid_status_move_on_the_chart_is_shown_as_an_error(personas, client_for) -> None:
    url = reverse("patients:status_change", args=[personas.demo_patient.public_id])
    response = client_for(personas.nurse).post(url, {"status": "referred"}, follow=True)
    assert "cannot move from In treatment to Referred" in response.content.decode()


# --- care team, medications, outcomes --------------------------------------------------------


def test_admins_manage_the_care_team_on_its_page(personas, client_for) -> None:
    url = reverse("patients:care_team", args=[personas.other_patient.public_id])
    client = client_for(personas.admin)
    response = client.post(url, {"clinician": str(personas.therapist.public_id), "is_lead": ""})
    assert response.status_code == 302
    assert personas.other_patient.care_team.filter(clinician=personas.therapist, active=True).exists()
    membership = personas.other_patient.care_team.get(clinician=personas.therapist, active=True)
    remove = reverse("patients:care_team_remove", args=[personas.other_patient.public_id, membership.public_id])
    client.post(remove)
    membership.refresh_from_db()
    assert not membership.active


def test_medications_and_weights_on_their_page(personas, client_for) -> None:
    pid = personas.demo_patient.public_id
    client = client_for(personas.nurse)
    client.post(reverse("patients:medications", args=[pid]), {"name": "Phenelzine 15 mg", "interaction_class": "auto"})
    med = personas.demo_patient.medications.get()
    assert med.interaction_class == "maoi"
    client.post(reverse("patients:medication_stop", args=[pid, med.public_id]), {"reason": "Washout"})
    med.refresh_from_db()
    assert not med.is_current
    client.post(reverse("patients:weight_add", args=[pid]), {"weight_kg": "82.4", "measured_on": "2026-11-01"})
    assert personas.demo_patient.weights.get().measured_on == dt.date(2026, 11, 1)


def test_the_outcome_svg_endpoint_serves_the_server_chart(personas, client_for) -> None:
    services.assessment_record(actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[2] * 9)
    url = reverse("patients:outcome_svg", args=[personas.demo_patient.public_id, "phq9"])
    response = client_for(personas.nurse).get(url)
    assert response["Content-Type"] == "image/svg+xml"
    assert b"PHQ-9 over time" in response.content
    assert client_for(personas.admin).get(url).status_code == 403
    assert client_for(personas.nurse).get(url.replace("phq9", "moas")).status_code == 404


def test_the_chart_header_shows_the_newest_five_open_alerts_and_says_there_are_more(personas, client_for) -> None:
    for _ in range(7):
        services.assessment_record(
            actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [1]
        )
    html = client_for(personas.nurse).get(chart(personas.demo_patient)).content.decode()
    assert html.count("safety-alert d-flex") == 5
    assert 'data-testid="more-safety-flags"' in html
