"""Fault soak: a real worker and beat under supervisord, on a Redis server this test starts, go
through three faults while staff keep working, and every job still ends done exactly once.

(a) Redis stops for 10 s and starts again (empty); (b) the worker is killed with SIGKILL in the
middle of a report render; (c) beat is stopped until the jobs count as down, then started.
Each time: no page answers 5xx, the jobs endpoint and the admins' dashboard banner show the fault,
and both clear once the jobs are back. Reminders are e-mailed once each; reports render once.

Time is scaled down through the settings the processes read from the environment (the sweep every
2 s instead of 60, "late" after 6 s instead of 180, "down" after 15 s instead of 600), since the
processes of a soak cannot share a frozen clock. Where a rule waits longer than the soak can (a
render claim counts as stale after 10 minutes), the test ages that row, as time would.

Runs in CI's PostgreSQL + Redis mode; skipped in embedded mode. Touches only its own Redis.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from kap_clinic.audit.models import AuditEvent
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from tests.brokers import forget_connections
from tests.workers import Supervised, worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SCALE = {
    "JOBS_SWEEP_EVERY_SECONDS": "2",
    "JOBS_HEARTBEAT_SECONDS": "2",
    "JOBS_LATE_AFTER_SECONDS": "6",
    "JOBS_DOWN_AFTER_SECONDS": "15",
}


class Watch:
    """Every answer the staff and the monitor got during the soak, and what they were shown."""

    def __init__(self, client, admin, monitor) -> None:  # noqa: ANN001
        self.client, self.admin, self.monitor = client, admin, monitor
        self.answers: list[tuple[str, int]] = []
        self.states_seen: set[str] = set()
        self.banner_seen = False

    def get(self, who, url: str):  # noqa: ANN001, ANN201
        response = who.get(url)
        self.answers.append((url, response.status_code))
        return response

    def look(self) -> tuple[str, bool]:
        """One round of what people do: an admin's dashboard, the load balancer's and the monitor's checks."""
        dashboard = self.get(self.admin, "/dashboard/")
        banner = 'id="jobs-banner"' in dashboard.content.decode()
        self.get(self.monitor, "/healthz")
        jobs = self.get(self.monitor, "/healthz/jobs")
        state = jobs.json()["jobs"]
        assert (jobs.status_code == 503) == (state == "down"), jobs.content
        self.states_seen.add(state)
        self.banner_seen |= banner
        return state, banner

    def until(self, what: str, predicate, seconds: float, supervised: Supervised) -> None:  # noqa: ANN001
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.look()
            if predicate():
                return
            time.sleep(0.5)
        raise AssertionError(f"{what} did not happen within {seconds:.0f} s\n{supervised.output()}")

    def fault_shown_then_cleared(self, fault: str, supervised: Supervised, *, expect: str) -> None:
        assert expect in self.states_seen, f"{fault}: the jobs endpoint never said {expect!r}: {self.states_seen}"
        assert self.banner_seen, f"{fault}: the admins' banner never showed"
        self.until(f"{fault}: jobs ok again", lambda: self.look() == ("ok", False), 60, supervised)
        self.states_seen.clear()
        self.banner_seen = False

    def server_errors(self) -> list[tuple[str, int]]:
        return [
            (url, code) for url, code in self.answers if code >= 500 and not (url == "/healthz/jobs" and code == 503)
        ]


def _emails_sent(folder: Path) -> int:
    """Messages the worker's file e-mail backend wrote (one file per connection, messages inside)."""
    return sum(len(re.findall(r"^Message-ID: ", p.read_text(), flags=re.M)) for p in folder.glob("*"))


@pytest.fixture
def soak(tmp_path, settings, own_redis, clinic, reachable):  # noqa: ANN001, ANN201
    reachable.reminder_sms_opt_in = False  # SMS could fall in quiet hours at whatever time CI runs
    reachable.save(update_fields=["reminder_sms_opt_in"])
    for name, value in SCALE.items():
        setattr(settings, name, int(value))
    mail = tmp_path / "mail"
    mail.mkdir()
    env = worker_env(
        # django-environ drops one slash of a filemail:// path: four make it absolute.
        REDIS_URL=own_redis.url,
        EMAIL_URL=f"filemail:///{mail}",
        DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        **SCALE,
    )
    supervised = Supervised(env)
    try:
        supervised.wait_running("worker", "beat")
        yield own_redis, supervised, mail
    finally:
        supervised.stop()


def _book(api, personas, clinic, reachable, hours_ahead: int) -> str:  # noqa: ANN001
    response = api.post(
        "/api/v1/sessions/",
        {
            "patient": str(reachable.public_id),
            "kind": "consultation",
            "starts_at": (timezone.now() + dt.timedelta(days=4, hours=hours_ahead)).replace(microsecond=0).isoformat(),
            "lead_clinician": str(personas.prescriber.public_id),
            "room": str(clinic.consult_room.public_id),
            "override_hours": True,
            "override_reason": "Fault soak",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    # Time passes: its 48-hour reminder falls due now.
    Reminder.objects.filter(session__public_id=response.json()["id"], offset_minutes=2880).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    return response.json()["id"]


def _ask_report(client, reachable, kind: str = "treatment_summary") -> GeneratedReport:  # noqa: ANN001
    """A report asked for on the reports page (the same one asked twice while queued is one row)."""
    before = set(GeneratedReport.objects.values_list("pk", flat=True))
    form = {"kind": kind, "patient": str(reachable.public_id)} if kind != "operations" else {"kind": kind}
    page = client.post("/sessions/reports/new/", form)
    assert page.status_code == 302, page.content
    return GeneratedReport.objects.exclude(pk__in=before).get()


def test_jobs_come_back_after_each_fault_and_every_job_runs_once(
    soak,
    personas,
    clinic,
    reachable,
    api_for,
) -> None:
    from django.test import Client

    own, supervised, mail = soak
    admin, monitor, staff = Client(), Client(), Client()
    admin.force_login(personas.admin)
    staff.force_login(personas.prescriber)
    api = api_for(personas.admin)
    watch = Watch(staff, admin, monitor)
    booked: list[str] = []
    reports: list[GeneratedReport] = []

    watch.until("the jobs start", lambda: watch.look() == ("ok", False), 90, supervised)

    # (a) Redis goes away for 10 s while staff book sessions and ask for reports.
    own.stop()
    stopped = time.monotonic()
    booked += [_book(api, personas, clinic, reachable, hours_ahead=h) for h in (1, 2)]
    reports += [_ask_report(staff, reachable), _ask_report(admin, reachable, kind="operations")]
    while time.monotonic() - stopped < 10:
        watch.look()
        time.sleep(0.5)
    own.start()
    forget_connections()
    watch.fault_shown_then_cleared("Redis stopped", supervised, expect="late")
    watch.until(
        "reminders and reports after the Redis outage",
        lambda: (
            Reminder.objects.filter(status="sent").count() >= 2
            and not GeneratedReport.objects.exclude(status__in=("done", "failed")).exists()
        ),
        90,
        supervised,
    )

    # (b) The worker is killed in the middle of a render.
    report = _ask_report(staff, reachable)
    reports.append(report)
    deadline = time.monotonic() + 60
    while GeneratedReport.objects.get(pk=report.pk).status == "queued" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert GeneratedReport.objects.get(pk=report.pk).status == "running", supervised.output()
    old_pid = supervised.pid("worker")
    os.killpg(os.getpgid(old_pid), signal.SIGKILL)
    watch.until(
        "the worker restarted",
        lambda: supervised.running("worker") and supervised.pid("worker") != old_pid,
        60,
        supervised,
    )
    # Ten minutes pass: the dead worker's claim on the render is stale, and the sweep takes it back.
    if GeneratedReport.objects.get(pk=report.pk).status == "running":
        GeneratedReport.objects.filter(pk=report.pk).update(started_at=timezone.now() - dt.timedelta(minutes=11))
    watch.until(
        "the killed render done by the new worker",
        lambda: GeneratedReport.objects.get(pk=report.pk).status == "done",
        90,
        supervised,
    )

    # (c) Beat stops until the jobs count as down, while a reminder falls due.
    assert supervised.rpc().stopProcess("beat", True)
    booked.append(_book(api, personas, clinic, reachable, hours_ahead=3))
    watch.until("jobs down", lambda: "down" in watch.states_seen, 60, supervised)
    state = monitor.get("/healthz/jobs").json()
    assert state["reminders"]["waiting"] >= 1 and state["reminders"]["oldest_age_seconds"] >= 0, state
    assert Reminder.objects.filter(session__public_id=booked[-1], offset_minutes=2880, status="sent").count() == 0
    assert supervised.rpc().startProcess("beat", True)
    watch.fault_shown_then_cleared("beat stopped", supervised, expect="down")
    watch.until(
        "the reminder due while beat was stopped",
        lambda: Reminder.objects.filter(session__public_id=booked[-1], offset_minutes=2880, status="sent").exists(),
        60,
        supervised,
    )

    # Every job ended done, once.
    due = Reminder.objects.filter(session__public_id__in=booked, offset_minutes=2880)
    assert due.count() == 3 and set(due.values_list("status", flat=True)) == {"sent"}
    assert all(r.attempts == 1 for r in due), [(r.pk, r.attempts) for r in due]
    sent = Reminder.objects.filter(channel="email", status="sent").count()
    assert _emails_sent(mail) == sent, f"{_emails_sent(mail)} e-mails for {sent} sent reminders"
    for r in reports:
        r.refresh_from_db()
        assert r.status == "done", (r.pk, r.status, r.error)
    rendered = AuditEvent.objects.filter(
        action="report.rendered", target_public_id__in=[str(r.public_id) for r in reports]
    )
    assert rendered.count() == len(reports), "a report was rendered more than once"
    assert watch.server_errors() == [], watch.server_errors()
    assert own.url != settings.REDIS_URL  # the machine's own Redis was never the one stopped
