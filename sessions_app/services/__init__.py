"""Writes of sessions_app, by topic: ``scheduling`` (sessions), ``courses`` (treatment-course
planning), ``clinic`` (rooms, hours, session types, calendar feeds)."""
