"""Reminder workflows by topic: timing (offsets, quiet hours), planning (rows), delivery (the
sweep, sending, retries), messages (what a reminder says) and resend (an admin's resend)."""
