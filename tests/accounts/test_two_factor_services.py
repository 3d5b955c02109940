"""TOTP (RFC 6238) and the two-factor services: known vectors, replay, lock-out, enrol/disable/reset rules."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from kap_clinic.accounts import services, totp
from kap_clinic.accounts.models import TotpDevice
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed

# RFC 6238 Appendix B, SHA-1 rows: the ASCII key "12345678901234567890". The RFC prints 8 digits;
# a 6-digit code is the same truncated number modulo 10**6, i.e. its last six digits.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
# RFC 4226 Appendix D: HOTP of the same key for counters 0..9 (6 digits).
RFC_4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]


@pytest.mark.parametrize(("timestamp", "eight_digits"), RFC_6238_SHA1)
def test_totp_matches_the_rfc_6238_sha1_vectors(timestamp, eight_digits) -> None:
    key = b"12345678901234567890"
    assert totp.hotp(key, totp.step_at(timestamp), digits=8) == eight_digits
    assert totp.code_at(RFC_SECRET, timestamp) == eight_digits[-6:]


def test_hotp_matches_the_rfc_4226_vectors() -> None:
    assert [totp.hotp(b"12345678901234567890", c) for c in range(10)] == RFC_4226


def test_a_code_is_accepted_one_step_either_side_but_not_two() -> None:
    now = 1234567890
    for offset, accepted in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp.code_at(RFC_SECRET, now + offset)
        assert (totp.matching_step(RFC_SECRET, code, now) is not None) is accepted, offset


def test_spaces_and_dashes_in_a_typed_code_are_ignored_and_junk_is_refused() -> None:
    code = totp.code_at(RFC_SECRET, 59)
    assert totp.matching_step(RFC_SECRET, f"{code[:3]} {code[3:]}", 59) == 1
    assert totp.matching_step(RFC_SECRET, f"{code[:3]}-{code[3:]}", 59) == 1
    for junk in ("", "12345", "1234567", "abcdef", "２８７０８２"):
        assert totp.matching_step(RFC_SECRET, junk, 59) is None


def test_secrets_are_160_random_bits_and_the_uri_is_what_apps_read() -> None:
    secret = totp.generate_secret()
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20
    assert secret != totp.generate_secret()
    uri = totp.provisioning_uri(secret, account="nurse@demo.clinic", issuer="KAP Clinic")
    assert uri.startswith("otpauth://totp/KAP%20Clinic:nurse@demo.clinic?")
    assert f"secret={secret}" in uri and "issuer=KAP%20Clinic" in uri and "digits=6" in uri and "period=30" in uri


def test_the_qr_code_is_inline_svg() -> None:
    svg = totp.qr_svg("otpauth://totp/x?secret=ABC")
    assert svg.startswith("<svg ") and svg.endswith("</svg>") and "<script" not in svg


@pytest.fixture
def enrolled(personas):
    """The nurse with a confirmed authenticator; returns (user, secret)."""
    device = services.user_begin_totp_enrolment(user=personas.nurse)
    services.user_confirm_totp_enrolment(user=personas.nurse, code=totp.code_at(device.secret))
    return personas.nurse, device.secret


@pytest.mark.django_db
class TestTwoFactorServices:
    def test_enrolment_needs_a_valid_code_and_is_audited(self, personas) -> None:
        device = services.user_begin_totp_enrolment(user=personas.nurse)
        assert services.user_begin_totp_enrolment(user=personas.nurse).secret == device.secret  # a reload
        with pytest.raises(ValidationFailed) as exc:
            services.user_confirm_totp_enrolment(
                user=personas.nurse, code="000000" if totp.code_at(device.secret) != "000000" else "111111"
            )
        assert exc.value.field == "otp"
        assert services.user_totp_device(personas.nurse) is None
        services.user_confirm_totp_enrolment(user=personas.nurse, code=totp.code_at(device.secret))
        assert services.user_totp_device(personas.nurse).confirmed_at is not None
        assert AuditEvent.objects.filter(action="mfa.enrolled", actor=personas.nurse).count() == 1
        assert AuditEvent.objects.filter(action="mfa.failed", actor=personas.nurse, outcome="denied").count() == 1
        with pytest.raises(Conflict):
            services.user_begin_totp_enrolment(user=personas.nurse)

    def test_patients_cannot_enrol_and_never_need_a_second_factor(self, personas) -> None:
        with pytest.raises(PermissionDeniedError):
            services.user_begin_totp_enrolment(user=personas.patient_user)
        with override_settings(STAFF_MFA_REQUIRED=True):
            assert not services.user_needs_second_factor(personas.patient_user)
            assert services.user_needs_second_factor(personas.admin)
        assert not services.user_needs_second_factor(personas.admin)

    def test_a_confirmed_device_makes_the_second_factor_needed_even_when_not_required(self, enrolled) -> None:
        user, _ = enrolled
        assert services.user_needs_second_factor(user)

    def test_a_code_is_accepted_once(self, enrolled, time_machine) -> None:
        user, secret = enrolled
        time_machine.move_to(1_900_000_000 + 3600, tick=False)
        code = totp.code_at(secret)
        services.user_verify_second_factor(user=user, code=code)
        with pytest.raises(ValidationFailed, match="not valid"):
            services.user_verify_second_factor(user=user, code=code)
        # The previous step's code is older than the one used: refused as well.
        with pytest.raises(ValidationFailed):
            services.user_verify_second_factor(user=user, code=totp.code_at(secret, 1_900_000_000 + 3600 - 30))
        time_machine.move_to(1_900_000_000 + 3600 + 30, tick=False)
        services.user_verify_second_factor(user=user, code=totp.code_at(secret))
        assert AuditEvent.objects.filter(action="mfa.verified", actor=user).count() == 2

    def test_five_wrong_codes_lock_the_code_step_even_for_the_right_code(self, enrolled, settings) -> None:
        user, secret = enrolled
        wrong = "000000" if totp.code_at(secret) != "000000" else "111111"
        for _ in range(settings.MFA_FAILURE_LIMIT):
            with pytest.raises(ValidationFailed):
                services.user_verify_second_factor(user=user, code=wrong)
        with pytest.raises(ValidationFailed, match="Too many wrong codes") as exc:
            services.user_verify_second_factor(user=user, code=totp.code_at(secret))
        assert exc.value.field == "otp"
        assert AuditEvent.objects.filter(action="mfa.locked", actor=user, outcome="denied").exists()
        assert AuditEvent.objects.filter(action="mfa.failed", actor=user).count() == settings.MFA_FAILURE_LIMIT

    def test_disabling_needs_the_password_and_a_code(self, enrolled, time_machine) -> None:
        user, secret = enrolled
        time_machine.move_to(1_900_000_000 + 7200, tick=False)
        with pytest.raises(ValidationFailed) as exc:
            services.user_disable_totp(user=user, password="wrong", code=totp.code_at(secret))
        assert exc.value.field == "password"
        services.user_disable_totp(user=user, password="kap-demo-2026", code=totp.code_at(secret))
        assert not TotpDevice.objects.filter(user=user).exists()
        assert AuditEvent.objects.filter(action="mfa.disabled", actor=user).exists()

    def test_disabling_is_refused_while_the_clinic_requires_it(self, enrolled) -> None:
        user, secret = enrolled
        with override_settings(STAFF_MFA_REQUIRED=True), pytest.raises(PermissionDeniedError):
            services.user_disable_totp(user=user, password="kap-demo-2026", code=totp.code_at(secret))
        assert services.user_totp_device(user) is not None

    def test_only_a_practice_admin_resets_a_device_and_it_is_audited(self, enrolled, personas) -> None:
        user, _ = enrolled
        with pytest.raises(PermissionDeniedError):
            services.user_reset_totp(actor=personas.prescriber, user=user)
        services.user_reset_totp(actor=personas.admin, user=user)
        assert not TotpDevice.objects.filter(user=user).exists()
        event = AuditEvent.objects.get(action="mfa.reset")
        assert event.actor == personas.admin and event.target_public_id == str(user.public_id)
        with pytest.raises(Conflict):
            services.user_reset_totp(actor=personas.admin, user=user)
