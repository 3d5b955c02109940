"""Calendar feeds: a clinician manages their iCal link; the feed itself is read by token."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kap_clinic.accounts.permissions import CLINICIAN, role_required
from kap_clinic.audit.services import audit_record
from sessions_app.scheduling import selectors
from sessions_app.scheduling.calendar import ical
from sessions_app.scheduling.services import clinic


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
def feed_manage(request: HttpRequest) -> HttpResponse:
    """Create (or replace) and revoke the clinician's secret iCalendar URL; it is shown once."""
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            clinic.calendar_feed_revoke(actor=request.user)
            messages.success(request, "Your calendar feed was revoked; the old address no longer works.")
            return redirect("sessions_app:feed_manage")
        _, token = clinic.calendar_feed_create(actor=request.user)
        new_url = request.build_absolute_uri(reverse("sessions_app:feed", args=[token]))
    active = request.user.calendar_feeds.filter(revoked_at__isnull=True).first()
    return render(request, "sessions_app/feed.html", {"active": active, "new_url": new_url})


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: times, room and patient initials only. Unknown or revoked: 404."""
    calendar_feed = selectors.feed_for_token(token)
    if calendar_feed is None:
        raise Http404("No such calendar.")
    clinician = calendar_feed.clinician
    body = ical(selectors.feed_sessions(clinician), clinician=clinician)
    type(calendar_feed).objects.filter(pk=calendar_feed.pk).update(last_used_at=timezone.now())
    audit_record(actor=clinician, action="calendar_feed.read", target=calendar_feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
