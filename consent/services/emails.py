"""The emails of signing requests and portal invitations: sent once, and sent after a broker outage.

Rules:
- A request or an invitation hands its email to a task after commit (``requests.py``). If the
  broker was away, nothing raised: the row keeps ``email_sent_at`` empty and the minute sweep
  hands it over again (``consent_emails_relay``), once it is older than ``RELAY_AFTER`` so the
  task still on its way is not doubled, at most ``RELAY_LIMIT`` of each per sweep.
- Sending claims the row first with a conditional UPDATE (``email_claimed_at``), so of a late
  task, a relayed one and a task delivered twice exactly one sends. A claim older than
  ``CLAIM_EXPIRES`` without ``email_sent_at`` lost its worker and may be taken again (a worker
  that died between the SMTP hand-off and recording it is the one case that sends twice).
- A send that fails frees its claim and raises (the task fails, logged); the sweep is the retry,
  ``RELAY_AFTER`` later, at most ``MAX_EMAIL_ATTEMPTS`` claims in all. The chart shows which
  requests were emailed.
- Only requests whose email was meant to go (``email_wanted``, decided at creation) are relayed;
  one whose patient has since lost their address or withdrawn consent to electronic records is
  no longer wanted and waits in the portal and the chart.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Model, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kap_clinic.common.jobs import publish

from .. import selectors
from ..models import PortalInvitation, SigningRequest
from ..tasks import consent_request_email_task, portal_invitation_email_task

# Longer than a task's hard time limit (5 min): a live sender still holds its claim.
CLAIM_EXPIRES = dt.timedelta(minutes=10)
# The after-commit task normally sends within seconds; an email still unclaimed after this was lost.
RELAY_AFTER = dt.timedelta(minutes=2)
RELAY_LIMIT = 50
MAX_EMAIL_ATTEMPTS = 5


def _send(*, template: str, to: str, context: dict) -> None:
    # Workers run in UTC; the patient reads times in the clinic's zone.
    with timezone.override(settings.CLINIC_TIME_ZONE):
        _render_and_send(template=template, to=to, context=context)


def _render_and_send(*, template: str, to: str, context: dict) -> None:
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip().replace("\n", " ")
    body = render_to_string(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def _send_once(model: type[Model], pk: int, *, template: str, to: str, context: dict) -> bool:
    """Claim the row, send, record it. False when the email went already or another run holds it."""
    claimed_at = timezone.now()
    free = Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=claimed_at - CLAIM_EXPIRES)
    claimed = model._default_manager.filter(free, pk=pk, email_sent_at__isnull=True).update(
        email_claimed_at=claimed_at, email_attempts=F("email_attempts") + 1, updated_at=claimed_at
    )
    if not claimed:
        return False
    mine = model._default_manager.filter(pk=pk, email_claimed_at=claimed_at, email_sent_at__isnull=True)
    try:
        _send(template=template, to=to, context=context)
    except Exception:
        # Free the row for the sweep's next hand-over; updated_at starts its RELAY_AFTER wait.
        mine.update(email_claimed_at=None, updated_at=timezone.now())
        raise
    model._default_manager.filter(pk=pk, email_sent_at__isnull=True).update(email_sent_at=timezone.now())
    return True


def signing_request_link(request: SigningRequest) -> str:
    token = selectors.make_token(salt=selectors.REQUEST_SALT, public_id=request.public_id, nonce=request.nonce)
    return settings.SITE_URL.rstrip("/") + reverse("portal:consent_link", kwargs={"token": token})


def invitation_link(invitation: PortalInvitation) -> str:
    token = selectors.make_token(salt=selectors.INVITATION_SALT, public_id=invitation.public_id, nonce=invitation.nonce)
    return settings.SITE_URL.rstrip("/") + reverse("portal:invitation", kwargs={"token": token})


def signing_request_email_send(*, request_id: int) -> bool:
    """Email the link of a pending request once. Returns False when there is nothing to send.

    A patient who has no email address any more, or withdrew consent to electronic records, gets
    none, and the request stops being relayed. Raises whatever the mail backend raises.
    """
    request = SigningRequest.objects.select_related("patient", "patient__user").filter(pk=request_id).first()
    if request is None or request.email_sent_at or request.status != SigningRequest.Status.PENDING:
        return False
    if not request.patient.email or selectors.electronic_records_withdrawn(patient=request.patient):
        SigningRequest.objects.filter(pk=request.pk, email_sent_at__isnull=True).update(
            email_wanted=False, updated_at=timezone.now()
        )
        return False
    context = {
        "link": signing_request_link(request),
        "expires_at": request.expires_at,
        "clinic_name": settings.CLINIC_NAME,
        "needs_password": request.patient.user is None or not request.patient.user.has_usable_password(),
        "reconsent": request.reason == "reconsent",
    }
    return _send_once(SigningRequest, request.pk, template="consent_request", to=request.patient.email, context=context)


def portal_invitation_email_send(*, invitation_id: int) -> bool:
    """Email a usable invitation's set-password link once. Returns False when there is nothing to send."""
    invitation = PortalInvitation.objects.select_related("patient", "user").filter(pk=invitation_id).first()
    if invitation is None or invitation.email_sent_at or not invitation.is_usable():
        return False
    context = {
        "link": invitation_link(invitation),
        "expires_at": invitation.expires_at,
        "clinic_name": settings.CLINIC_NAME,
    }
    return _send_once(
        PortalInvitation, invitation.pk, template="consent_invitation", to=invitation.user.email, context=context
    )


def consent_emails_relay(*, now: dt.datetime | None = None, limit: int = RELAY_LIMIT) -> dict[str, int]:
    """The sweep's part for consent emails: hand over again those that should have gone and did not.

    Unsent, unclaimed (or claimed by a dead worker), still usable and untouched for ``RELAY_AFTER``;
    signing requests only when their email was wanted. Least recently touched first (a failed send
    goes to the back, so it cannot hold up the others), at most ``limit`` of each; stops at the
    first hand-over the broker refuses. Returns how many of each were handed over.
    """
    now = now or timezone.now()
    waiting = Q(
        email_sent_at__isnull=True,
        email_attempts__lt=MAX_EMAIL_ATTEMPTS,
        used_at__isnull=True,
        expires_at__gt=now,
        updated_at__lt=now - RELAY_AFTER,
    ) & (Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - CLAIM_EXPIRES))
    jobs = (
        (
            "requests",
            SigningRequest.objects.filter(waiting, email_wanted=True, cancelled_at__isnull=True),
            consent_request_email_task,
        ),
        ("invitations", PortalInvitation.objects.filter(waiting), portal_invitation_email_task),
    )
    handed = {"requests": 0, "invitations": 0}
    for key, rows, task in jobs:
        for pk in rows.order_by("updated_at", "pk").values_list("pk", flat=True)[:limit]:
            if not publish(task, pk):
                return handed  # the broker is still away (or, embedded, the send failed): next sweep
            handed[key] += 1
    return handed
