"""Time-based one-time passwords (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps.

Written with the standard library so the algorithm is small enough to read and test against the
RFC's own vectors (tests/accounts/test_two_factor_services.py). Authenticator apps (Google
Authenticator, Microsoft Authenticator, 1Password, FreeOTP...) read the ``otpauth://`` URI from a QR code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg

DIGITS = 6
STEP_SECONDS = 30
# Accept the previous and the next step as well: phone clocks drift and people type slowly.
WINDOW = 1


def generate_secret() -> str:
    """160 random bits (the RFC's recommended key length for SHA-1), base32 without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226: HMAC-SHA-1 of the 8-byte counter, dynamically truncated to ``digits`` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(timestamp: float | None = None) -> int:
    return int((time.time() if timestamp is None else timestamp) // STEP_SECONDS)


def code_at(secret: str, timestamp: float | None = None) -> str:
    """The code an authenticator app shows at ``timestamp`` (now by default)."""
    return hotp(_key(secret), step_at(timestamp))


def normalize_code(code: str) -> str:
    """People type "123 456" or "123-456"; only the digits count."""
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def matching_step(secret: str, code: str, timestamp: float | None = None, window: int = WINDOW) -> int | None:
    """The time step whose code equals ``code`` (within ±window steps of now), else None."""
    code = normalize_code(code)
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    key = _key(secret)
    now = step_at(timestamp)
    found = None
    for step in range(now - window, now + window + 1):
        # Compare every candidate (constant time, no early exit) so timing does not tell which matched.
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps understand (the Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    params = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG markup (no image library, nothing loaded from elsewhere)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Sized in pixels for the page (the factory writes millimetres), and named for screen readers.
    return re.sub(
        r'^<svg width="[^"]*" height="[^"]*"',
        '<svg width="200" height="200" role="img" aria-label="QR code for your authenticator app"',
        svg,
        count=1,
    )
