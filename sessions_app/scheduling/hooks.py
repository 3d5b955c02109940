"""What higher parts of the app hang on scheduling, without scheduling importing them.

- ``on_session_changed(fn)``: ``fn(session=...)`` is called by every service that books, moves,
  cancels or changes a session's status, inside that service's transaction, after the session
  and its bookings are written and before the audit event (reminders re-plan their rows here).
- ``register_session_record_links(fn)``: ``fn(user=..., session=...)`` returns the links to the
  session's records that ``user`` may see, or None when they may see none (the clinical records
  on the session page).

Both are filled once from ``SessionsAppConfig.ready``; registering the same function twice keeps one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sessions_app.scheduling.models import Session

SessionChanged = Callable[..., None]
RecordLinks = Callable[..., Sequence[Any] | None]

_session_changed: list[SessionChanged] = []
_record_links: list[RecordLinks] = []


def on_session_changed(fn: SessionChanged) -> SessionChanged:
    if fn not in _session_changed:
        _session_changed.append(fn)
    return fn


def session_changed(*, session: Session) -> None:
    """Tell every listener that ``session`` was booked, moved, cancelled or changed status."""
    for fn in _session_changed:
        fn(session=session)


def register_session_record_links(fn: RecordLinks) -> RecordLinks:
    if fn not in _record_links:
        _record_links.append(fn)
    return fn


def session_record_links(*, user: Any, session: Session) -> list[Any] | None:
    """The record links every provider gives ``user`` for ``session``; None when none shows any."""
    shown = [links for fn in _record_links if (links := fn(user=user, session=session)) is not None]
    if not shown:
        return None
    return [link for links in shown for link in links]


DEFAULT_CHECK_IN_WINDOW_MINUTES = 120
_check_in_window: list[Callable[[], int]] = []


def register_check_in_window(fn: Callable[[], int]) -> Callable[[], int]:
    if fn not in _check_in_window:
        _check_in_window.append(fn)
    return fn


def check_in_window_minutes() -> int:
    """Minutes before the booked start that check-in opens (the last registered provider decides)."""
    return int(_check_in_window[-1]()) if _check_in_window else DEFAULT_CHECK_IN_WINDOW_MINUTES
