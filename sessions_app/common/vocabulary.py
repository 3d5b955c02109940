"""Words every part of sessions_app shares: the kinds of session, the medications and their routes."""

from __future__ import annotations

from django.db import models


class SessionKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    PREPARATION = "preparation", "Preparation"
    DOSING = "dosing", "Dosing"
    INTEGRATION = "integration", "Integration"
    FOLLOW_UP = "follow_up", "Follow-up"


class Medication(models.TextChoices):
    RACEMIC_KETAMINE = "racemic_ketamine", "Racemic ketamine"
    ESKETAMINE = "esketamine", "Esketamine (nasal spray)"


class Route(models.TextChoices):
    IV = "iv", "IV infusion"
    IM = "im", "Intramuscular (IM)"
    INTRANASAL = "intranasal", "Intranasal"
    SUBLINGUAL_ORAL = "sublingual_oral", "Sublingual / oral"
