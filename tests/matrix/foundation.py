"""Access rules for the foundation: accounts, audit, dashboard, portal, patients, API base."""

from __future__ import annotations

from . import Case

STAFF_OK = {
    "admin": 200,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}
ADMIN_ONLY = {
    "admin": 200,
    "prescriber": 403,
    "nurse": 403,
    "therapist": 403,
    "outsider": 403,
    "patient_user": 403,
    "other_patient_user": 403,
}
ADMIN_ONLY_API = {**ADMIN_ONLY}
PUBLIC = {
    p: 200
    for p in (
        "anonymous",
        "admin",
        "prescriber",
        "nurse",
        "therapist",
        "outsider",
        "patient_user",
        "other_patient_user",
    )
}


def demo_patient(p):
    return {"public_id": p.demo_patient.public_id}


def staff_member(p):
    return {"public_id": p.nurse.public_id}


CASES = [
    Case(
        "home",
        {
            "admin": 302,
            "prescriber": 302,
            "nurse": 302,
            "therapist": 302,
            "outsider": 302,
            "patient_user": 302,
            "other_patient_user": 302,
        },
    ),
    Case("dashboard", STAFF_OK),
    Case("healthz", PUBLIC),
    Case("healthz", {"anonymous": 405}, method="post", default=405),
    # Monitoring: no login for anyone. No sweep has run in the matrix's database, so the jobs are "down".
    Case("healthz_jobs", {p: 503 for p in PUBLIC}),
    Case("healthz_jobs", {"anonymous": 405}, method="post", default=405),
    # The test client connects from 127.0.0.1, inside the default METRICS_ALLOWED_NETWORKS: allowed by
    # address, whoever is signed in (tests/ops/test_metrics.py refuses the outside).
    Case("metrics", PUBLIC),
    Case("portal:home", {"patient_user": 200, "other_patient_user": 200}, default=403),
    # Accounts
    Case("accounts:login", {"anonymous": 200}, default=302),
    Case("accounts:logout", {"anonymous": 302}, method="post", default=302),
    Case("accounts:password_change", {**PUBLIC, "anonymous": 302}),
    Case("accounts:password_reset", PUBLIC),
    Case("accounts:password_reset_done", PUBLIC),
    Case("accounts:password_reset_confirm", PUBLIC, kwargs=lambda p: {"uidb64": "MQ", "token": "invalid-token"}),
    Case("accounts:password_reset_complete", PUBLIC),
    Case("accounts:staff_list", ADMIN_ONLY),
    Case("accounts:staff_create", ADMIN_ONLY),
    Case(
        "accounts:staff_create",
        {**ADMIN_ONLY, "admin": 302},
        method="post",
        data=lambda p: {
            "email": "new.rn@demo.clinic",
            "full_name": "New Nurse",
            "role": "clinician",
            "discipline": "nurse",
        },
    ),
    Case("accounts:staff_edit", ADMIN_ONLY, kwargs=staff_member),
    Case(
        "accounts:staff_set_active",
        {**ADMIN_ONLY, "admin": 302},
        method="post",
        kwargs=staff_member,
        data=lambda p: {"active": "0"},
    ),
    Case("accounts:staff_set_active", {**ADMIN_ONLY, "admin": 405}, kwargs=staff_member),
    # Two-factor sign-in. The code step only works with a fresh password step in the session:
    # without one everybody is sent back to the login page (or home when already signed in).
    Case("accounts:two_factor", {"anonymous": 302}, default=302),
    Case("accounts:two_factor", {"anonymous": 302}, method="post", data=lambda p: {"otp": "123456"}, default=302),
    Case("accounts:two_factor_settings", STAFF_OK),
    # A wrong code re-renders the page with the error.
    Case("accounts:two_factor_settings", STAFF_OK, method="post", data=lambda p: {"otp": "abc"}),
    # Nobody in the matrix has an authenticator: the form comes back saying so.
    Case(
        "accounts:two_factor_disable",
        STAFF_OK,
        method="post",
        data=lambda p: {"password": "x", "otp": "123456"},
    ),
    Case(
        "accounts:two_factor_disable",
        {**{k: 405 for k, v in STAFF_OK.items() if v == 200}, "patient_user": 403, "other_patient_user": 403},
    ),
    # The nurse has no authenticator: the admin is redirected back with a message.
    Case("accounts:staff_two_factor_reset", {**ADMIN_ONLY, "admin": 302}, method="post", kwargs=staff_member),
    Case("accounts:staff_two_factor_reset", {**ADMIN_ONLY, "admin": 405}, kwargs=staff_member),
    # Audit trail (admins only)
    Case("audit:list", ADMIN_ONLY),
    # API (patients:* and api:patient* cases live in tests/matrix/patients.py)
    Case("api:root", {}, api=True, default=200),
    Case(
        "api:auth_token",
        {"anonymous": 400},
        method="post",
        api=True,
        default=400,
        data=lambda p: {"email": "nobody@demo.clinic", "password": "wrong"},
    ),
    Case("api:me", {}, api=True, default=200),
    Case("api:staff", ADMIN_ONLY_API, api=True),
    Case("api:staff_detail", ADMIN_ONLY_API, api=True, kwargs=staff_member),
    Case("api:audit_events", ADMIN_ONLY_API, api=True),
    Case("api_schema", PUBLIC),
    Case("api_docs", PUBLIC),
]
