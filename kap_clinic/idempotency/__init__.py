"""Writes that are safe to retry: the first answer to a (user, key) pair is kept and given again.

API clients send an ``Idempotency-Key`` header with a POST, PUT or PATCH (``middleware``); the
clinical pages put a one-time key in a hidden field of each write form (``pages``). Both go through
``services.answer_once``.
"""
