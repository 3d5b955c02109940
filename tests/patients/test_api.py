"""/api/v1/patients/..., /api/v1/instruments/: bodies, errors naming the field, scoping."""

from __future__ import annotations

import pytest

from patients import services
from patients.models import Assessment, Patient, SafetyFlag

from .factories import checklist_answers, make_intake

pytestmark = pytest.mark.django_db

PHQ9_MODERATE = [2, 2, 1, 1, 2, 1, 1, 1, 0]


def url(patient, suffix: str = "") -> str:
    return f"/api/v1/patients/{patient.public_id}/{suffix}"


# --- patients ------------------------------------------------------------------------------


def test_a_clinician_creates_a_patient_with_the_full_record(personas, api_for) -> None:
    body = {
        "legal_first_name": "Nia",
        "legal_last_name": "Park",
        "date_of_birth": "1991-07-04",
        "mobile": "+1 555 010 2000",
        "reminder_sms_opt_in": True,
        "conditions": ["ptsd", "chronic_pain"],
        "allergies": "Sulfa",
        "height_cm": "165.0",
    }
    response = api_for(personas.prescriber).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["mobile"] == "+15550102000"
    assert sorted(data["conditions"]) == ["chronic_pain", "ptsd"]
    assert data["status"] == "referred"
    assert "pk" not in data and data["id"] == str(Patient.objects.get(legal_last_name="Park").public_id)


def test_bad_patient_input_is_a_400_naming_the_field(personas, api_for) -> None:
    body = {"legal_first_name": "Nia", "legal_last_name": "Park", "date_of_birth": "1991-07-04", "mobile": "12"}
    response = api_for(personas.admin).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "mobile"
    response = api_for(personas.admin).post("/api/v1/patients/", {**body, "mobile": ""}, format="json")
    assert response.status_code == 201
    response = api_for(personas.admin).post("/api/v1/patients/", {"legal_first_name": "X"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] in {"legal_last_name", "date_of_birth"}


def test_the_list_searches_filters_sorts_and_paginates(personas, api_for) -> None:
    api = api_for(personas.prescriber)
    response = api.get("/api/v1/patients/", {"q": "ell", "page_size": 1})
    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 1 and data["results"][0]["legal_last_name"] == "Ellis"
    assert data["results"][0]["care_team_lead"]["full_name"] == "Dr. Priya Raman"
    assert data["results"][0]["has_open_safety_flag"] is False
    names = [r["legal_last_name"] for r in api.get("/api/v1/patients/", {"sort": "-name"}).json()["results"]]
    assert names == sorted(names, reverse=True)
    page = api.get("/api/v1/patients/", {"page_size": 2, "page": 2}).json()
    assert len(page["results"]) == 2 and page["previous"]
    screening = api.get("/api/v1/patients/", {"status": "screening"}).json()["results"]
    assert {r["status"] for r in screening} == {"screening"}


def test_bad_list_parameters_are_refused_naming_them(personas, api_for) -> None:
    api = api_for(personas.prescriber)
    response = api.get("/api/v1/patients/", {"sort": "password"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "sort"
    assert "name" in response.json()["error"]["message"]
    response = api_for(personas.admin).get("/api/v1/patients/", {"condition": "ptsd"})
    assert response.status_code == 403


def test_admins_get_demographics_without_clinical_fields(personas, api_for) -> None:
    services.patient_update(actor=personas.prescriber, patient=personas.demo_patient, allergies="Latex")
    admin = api_for(personas.admin).get(url(personas.demo_patient)).json()
    assert admin["legal_last_name"] == "Ellis" and admin["mrn"]
    assert "allergies" not in admin and "conditions" not in admin
    listing = api_for(personas.admin).get("/api/v1/patients/", {"q": "Ellis"}).json()["results"][0]
    assert listing["conditions"] is None and listing["has_open_safety_flag"] is None
    clinician = api_for(personas.nurse).get(url(personas.demo_patient)).json()
    assert clinician["allergies"] == "Latex"


def test_patch_updates_demographics_and_refuses_admin_clinical_edits(personas, api_for) -> None:
    response = api_for(personas.admin).patch(url(personas.demo_patient), {"city": "Boston"}, format="json")
    assert response.status_code == 200 and response.json()["city"] == "Boston"
    response = api_for(personas.admin).patch(url(personas.demo_patient), {"allergies": "x"}, format="json")
    assert response.status_code == 403


def test_an_invalid_status_move_is_a_409_naming_from_and_to(personas, api_for) -> None:
    response = api_for(personas.prescriber).post(
        url(personas.demo_patient, "status/"), {"status": "referred"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert "from In treatment to Referred" in error["message"]
    assert (error["from"], error["to"]) == ("in_treatment", "referred")


# --- instruments ---------------------------------------------------------------------------


def test_the_instrument_registry_is_served_with_items_and_options(personas, api_for) -> None:
    data = api_for(personas.patient_user).get("/api/v1/instruments/").json()
    by_code = {i["code"]: i for i in data}
    assert list(by_code) == ["phq9", "gad7", "pcl5", "cssrs_screen", "moas"]
    assert by_code["phq9"]["loinc"] == "44249-1"
    assert len(by_code["pcl5"]["items"]) == 20
    assert by_code["cssrs_screen"]["items"][6]["label"] == "Q6b"
    assert by_code["cssrs_screen"]["answer_type"] == "boolean"
    assert by_code["moas"]["items"][0]["options"][0] == {
        "value": 5,
        "label": "Responds readily to name spoken in normal tone",
    }


# --- assessments ---------------------------------------------------------------------------


def test_creating_an_assessment_returns_201_with_the_server_score(personas, api_for) -> None:
    body = {"instrument": "phq9", "answers": PHQ9_MODERATE, "administered_at": "2026-11-20T14:30:00Z"}
    response = api_for(personas.nurse).post(url(personas.demo_patient, "assessments/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert {k: data[k] for k in ("instrument", "total", "severity", "flags")} == {
        "instrument": "phq9",
        "total": 11,
        "severity": "moderate",
        "flags": [],
    }
    assert data["id"] == str(Assessment.objects.get().public_id)
    assert data["administered_at"].startswith("2026-11-20T")
    listed = api_for(personas.therapist).get(url(personas.demo_patient, "assessments/")).json()
    assert listed["results"][0]["answers"] == PHQ9_MODERATE


def test_item_9_over_the_api_returns_the_flag_and_raises_the_alert(personas, api_for) -> None:
    body = {"instrument": "phq9", "answers": [0] * 8 + [1]}
    data = api_for(personas.nurse).post(url(personas.demo_patient, "assessments/"), body, format="json").json()
    assert data["flags"] == ["suicidal_ideation"]
    flag = SafetyFlag.objects.get()
    flags = api_for(personas.prescriber).get(url(personas.demo_patient, "safety-flags/"), {"open": "true"}).json()
    assert [f["id"] for f in flags["results"]] == [str(flag.public_id)]
    ack = api_for(personas.prescriber).post(
        url(personas.demo_patient, f"safety-flags/{flag.public_id}/acknowledge/"), {"note": ""}, format="json"
    )
    assert ack.status_code == 400 and ack.json()["error"]["field"] == "note"
    ack = api_for(personas.prescriber).post(
        url(personas.demo_patient, f"safety-flags/{flag.public_id}/acknowledge/"), {"note": "Seen"}, format="json"
    )
    assert ack.status_code == 200 and ack.json()["is_open"] is False


@pytest.mark.parametrize(
    ("instrument", "answers", "field", "words"),
    [
        ("phq9", [0] * 8, "answers[8]", ["PHQ-9 item 9", "missing"]),
        ("phq9", [0] * 10, "answers[9]", ["answer 10 is extra"]),
        ("phq9", [0, 0, 4, 0, 0, 0, 0, 0, 0], "answers[2]", ["PHQ-9 item 3", "out of range 0–3"]),
        ("phq9", [0, "1", 0, 0, 0, 0, 0, 0, 0], "answers[1]", ["PHQ-9 item 2", "whole number"]),
        ("phq9", [0, 0, 0, 0, 0, 0, 0, 0, True], "answers[8]", ["PHQ-9 item 9", "boolean"]),
        ("phq9", [0, 0, 0, 0, 1.0, 0, 0, 0, 0], "answers[4]", ["PHQ-9 item 5", "float"]),
        ("gad7", [0, 0, 0, 0, 0, 0, None], "answers[6]", ["GAD-7 item 7", "missing"]),
        ("pcl5", [5] + [0] * 19, "answers[0]", ["PCL-5 item 1", "out of range 0–4"]),
        ("cssrs_screen", [0] * 7, "answers[0]", ["C-SSRS screen Q1", "true or false"]),
        ("cssrs_screen", [False] * 6 + [True], "answers[6]", ["Q6b", "Q6"]),
        ("moas", [7], "answers[0]", ["MOAA/S", "out of range 0–5"]),
        ("phq9", {"1": 0}, "answers", ["expected a list of 9 answers"]),
        ("madrs", [0] * 10, "instrument", ["Unknown instrument"]),
    ],
)
def test_bad_answers_are_a_400_naming_the_item(personas, api_for, instrument, answers, field, words) -> None:
    body = {"instrument": instrument, "answers": answers}
    response = api_for(personas.nurse).post(url(personas.demo_patient, "assessments/"), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    for word in words:
        assert word in error["message"]
    assert not Assessment.objects.exists()


def test_a_naive_or_future_administration_time_is_refused(personas, api_for) -> None:
    body = {"instrument": "gad7", "answers": [0] * 7, "administered_at": "2999-01-01T10:00:00Z"}
    response = api_for(personas.nurse).post(url(personas.demo_patient, "assessments/"), body, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "administered_at"
    body["administered_at"] = "yesterday"
    response = api_for(personas.nurse).post(url(personas.demo_patient, "assessments/"), body, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "administered_at"


def test_someone_elses_assessment_under_a_visible_patient_is_a_404(personas, api_for) -> None:
    other = services.assessment_record(
        actor=personas.outsider, patient=personas.other_patient, instrument="gad7", answers=[0] * 7
    )
    response = api_for(personas.prescriber).get(url(personas.demo_patient, f"assessments/{other.public_id}/"))
    assert response.status_code == 404
    response = api_for(personas.prescriber).get(url(personas.other_patient, f"assessments/{other.public_id}/"))
    assert response.status_code == 404


# --- intake and eligibility ------------------------------------------------------------------


def test_an_intake_over_the_api_needs_every_checklist_item(personas, api_for) -> None:
    answers = checklist_answers()
    del answers["pregnancy"]
    response = api_for(personas.nurse).post(
        url(personas.demo_patient, "intakes/"), {"contraindications": answers}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "contraindications.pregnancy"
    body = {
        "contraindications": checklist_answers("cystitis"),
        "bp_systolic": 132,
        "bp_diastolic": 84,
        "cssrs_answers": [False] * 7,
        "failed_antidepressant_trials": 2,
    }
    response = api_for(personas.nurse).post(url(personas.demo_patient, "intakes/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["relative_contraindications_present"] == ["cystitis"]
    assert data["absolute_contraindications_present"] == []
    assert data["suicide_screen"]["severity"] == "none"


def test_eligible_over_the_api_is_refused_listing_the_absolute_contraindications(personas, api_for) -> None:
    make_intake(personas.demo_patient, personas.nurse, "arteriovenous_malformation", "pregnancy")
    body = {"decision": "eligible", "rationale": "Good candidate"}
    response = api_for(personas.prescriber).post(url(personas.demo_patient, "eligibility/"), body, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "absolute_contraindication"
    assert error["field"] == "decision"
    assert error["contraindications"] == ["arteriovenous_malformation", "pregnancy"]
    assert "Arteriovenous malformation" in error["message"] and "Pregnancy" in error["message"]
    current = api_for(personas.prescriber).get(url(personas.demo_patient, "eligibility/")).json()["current"]
    assert current == {"is_current": False, "reason": "No eligibility decision yet.", "decision": None}


def test_an_eligible_decision_over_the_api_is_current(personas, api_for) -> None:
    intake = make_intake(personas.demo_patient, personas.nurse)
    body = {"decision": "eligible", "rationale": "TRD, 3 failed trials", "intake": str(intake.public_id)}
    response = api_for(personas.prescriber).post(url(personas.demo_patient, "eligibility/"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["intake"] == str(intake.public_id)
    current = api_for(personas.therapist).get(url(personas.demo_patient, "eligibility/")).json()["current"]
    assert current["is_current"] is True and current["decision"]["decision"] == "eligible"


def test_a_nurse_cannot_decide_eligibility_over_the_api(personas, api_for) -> None:
    make_intake(personas.demo_patient, personas.nurse)
    body = {"decision": "eligible", "rationale": "x"}
    response = api_for(personas.nurse).post(url(personas.demo_patient, "eligibility/"), body, format="json")
    assert response.status_code == 403


def test_outcomes_over_the_api(personas, api_for) -> None:
    services.assessment_record(actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[2] * 9)
    data = api_for(personas.nurse).get(url(personas.demo_patient, "outcomes/")).json()
    assert data["phq9"]["baseline"] == 18 and data["gad7"]["points"] == []


def test_token_authentication_reaches_the_patient_api(personas, api_client) -> None:
    token = api_client.post(
        "/api/v1/auth/token/", {"email": "nurse@demo.clinic", "password": "kap-demo-2026"}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = {"instrument": "gad7", "answers": [1] * 7}
    response = api_client.post(url(personas.demo_patient, "assessments/"), body, format="json")
    assert response.status_code == 201
    assert response.json()["severity"] == "mild"
