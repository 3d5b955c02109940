"""Scheduling pages by topic: calendar, sessions, courses, setup (clinic set-up), feed (iCal) and
portal (the patient's appointments). Views authenticate, fetch through ``selectors`` and write
through ``services``."""
