"""Users log in with their email. A user has exactly one role; clinicians also have a discipline."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("role", User.Role.ADMIN)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        ADMIN = "admin", "Practice admin"
        CLINICIAN = "clinician", "Clinician"
        PATIENT = "patient", "Patient"

    class Discipline(models.TextChoices):
        PRESCRIBER = "prescriber", "Prescriber (MD/NP/PA)"
        NURSE = "nurse", "Nurse"
        THERAPIST = "therapist", "Therapist"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=Role.choices)
    discipline = models.CharField(max_length=20, choices=Discipline.choices, blank=True)
    credentials = models.CharField(max_length=50, blank=True, help_text="e.g. MD, NP, RN, LCSW")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            # Only clinicians carry a discipline, and every clinician has one.
            models.CheckConstraint(
                name="user_discipline_matches_role",
                condition=(models.Q(role="clinician") & ~models.Q(discipline=""))
                | (~models.Q(role="clinician") & models.Q(discipline="")),
            ),
            models.CheckConstraint(name="user_email_lowercase", condition=models.Q(email__regex=r"^[^A-Z]*$")),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Single-row role helpers used by selectors, permission classes and templates.
    @property
    def is_practice_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_clinician(self) -> bool:
        return self.role == self.Role.CLINICIAN

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_staff_member(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.CLINICIAN)

    @property
    def is_prescriber(self) -> bool:
        return self.is_clinician and self.discipline == self.Discipline.PRESCRIBER

    @property
    def is_nurse(self) -> bool:
        return self.is_clinician and self.discipline == self.Discipline.NURSE

    @property
    def is_therapist(self) -> bool:
        return self.is_clinician and self.discipline == self.Discipline.THERAPIST

    @property
    def role_label(self) -> str:
        if self.is_clinician:
            return self.get_discipline_display()
        return self.get_role_display()

    @property
    def audit_role(self) -> str:
        return f"{self.role}:{self.discipline}" if self.discipline else self.role


class TotpDevice(models.Model):
    """A staff member's authenticator app (RFC 6238 TOTP), one per user.

    Unconfirmed (``confirmed_at`` null) while the user is enrolling: it only counts once a code from
    the app has been typed back. ``last_used_step`` is the time step of the last accepted code, so
    the same code (or an older one) is never accepted twice.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "enrolling"
        return f"TOTP device of {self.user.email} ({state})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
