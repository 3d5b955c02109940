"""Drawn signatures: decode the pad's PNG data URL and check it is a real, bounded, non-blank PNG.

The browser sends ``canvas.toDataURL("image/png")``. Nothing about that string is trusted: we
walk the PNG chunk by chunk (signature, IHDR first, CRCs, IEND last), bound its size and
dimensions, inflate the pixel data with a hard cap (no decompression bombs) and require at least
one inked pixel, so an empty pad or a 1×1 placeholder is refused (OpenEMR #13082's failure mode).
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

from kap_clinic.common.errors import ValidationFailed

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_BYTES = 512 * 1024
MAX_WIDTH, MAX_HEIGHT = 4000, 2000
MIN_WIDTH, MIN_HEIGHT = 50, 20
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type → samples per pixel
FIELD = "signature"


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, field=FIELD)


def decode_signature(data_url: str) -> bytes:
    """PNG bytes of a drawn signature, or ValidationFailed(field="signature") naming what is wrong."""
    data_url = (data_url or "").strip()
    if not data_url:
        raise _fail("Please draw your signature in the box.")
    if not data_url.startswith(DATA_URL_PREFIX):
        raise _fail("The signature must be a PNG image drawn in the signature box.")
    encoded = data_url[len(DATA_URL_PREFIX) :]
    if len(encoded) > (MAX_BYTES * 4) // 3 + 8:
        raise _fail("The signature image is too large.")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _fail("The signature image is not valid base64.") from None
    check_png(png)
    return png


def check_png(png: bytes) -> tuple[int, int]:
    """Validate PNG bytes; returns (width, height)."""
    if len(png) > MAX_BYTES:
        raise _fail("The signature image is too large.")
    if not png.startswith(PNG_MAGIC):
        raise _fail("The signature is not a PNG image.")
    pos, chunks, idat = len(PNG_MAGIC), [], bytearray()
    header: tuple[int, ...] | None = None
    while pos < len(png):
        if pos + 12 > len(png):
            raise _fail("The signature image is truncated.")
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        ctype = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        if len(data) != length or pos + 12 + length > len(png):
            raise _fail("The signature image is truncated.")
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(ctype + data) & 0xFFFFFFFF != crc:
            raise _fail("The signature image is corrupted.")
        chunks.append(ctype)
        if ctype == b"IHDR":
            if len(data) != 13:
                raise _fail("The signature image is corrupted.")
            header = struct.unpack(">IIBBBBB", data)
        elif ctype == b"IDAT":
            idat += data
        pos += 12 + length
        if ctype == b"IEND":
            break
    if not chunks or chunks[0] != b"IHDR" or header is None:
        raise _fail("The signature image is corrupted.")
    if chunks[-1] != b"IEND" or pos != len(png):
        raise _fail("The signature image is truncated.")
    width, height, depth, colour, _compression, _filter, interlace = header
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
        raise _fail("The signature image has an unexpected size.")
    if colour not in _CHANNELS or depth not in (1, 2, 4, 8, 16) or not idat:
        raise _fail("The signature image is corrupted.")
    if not _has_ink(bytes(idat), width, height, depth, colour, interlace):
        raise _fail("Please draw your signature in the box.")
    return width, height


def _has_ink(idat: bytes, width: int, height: int, depth: int, colour: int, interlace: int) -> bool:
    """True when some pixel differs from transparent black (the pad's empty background).

    The check is on filtered scanlines: a filtered all-zero image is all zeros, and any stroke
    produces a non-zero byte somewhere outside the per-row filter-type bytes.
    """
    row_bytes = (width * _CHANNELS[colour] * depth + 7) // 8
    expected = height * (row_bytes + 1)
    limit = expected * 2 + 1024 if interlace else expected
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(idat, limit)
    except zlib.error:
        raise _fail("The signature image is corrupted.") from None
    if inflater.unconsumed_tail:
        raise _fail("The signature image is corrupted.")
    if interlace:
        return any(raw)  # rare from a canvas; filter bytes are small, so this is only a loose check
    if len(raw) < expected:
        raise _fail("The signature image is truncated.")
    stride = row_bytes + 1
    return any(any(raw[r * stride + 1 : (r + 1) * stride]) for r in range(height))


def encode_png_rgba(width: int, height: int, pixels: bytes) -> bytes:
    """A minimal PNG encoder (RGBA, 8-bit) for generated signatures (demo data, tests)."""
    rows = b"".join(b"\x00" + pixels[y * width * 4 : (y + 1) * width * 4] for y in range(height))

    def chunk(ctype: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return PNG_MAGIC + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def generated_signature_png(text_seed: str = "signature", width: int = 600, height: int = 160) -> bytes:
    """A deterministic scribble: a few sine strokes in dark ink, as if drawn on the pad."""
    import math

    buf = bytearray(width * height * 4)
    seed = sum(map(ord, text_seed)) or 1
    for stroke in range(3):
        amp = 20 + (seed * (stroke + 3)) % 25
        freq = 0.02 + ((seed >> stroke) % 7) * 0.004
        base = height // 2 + (stroke - 1) * 18
        x0, x1 = 30 + stroke * 150, 30 + stroke * 150 + 220
        for x in range(x0, min(x1, width - 2)):
            y = int(base + amp * math.sin(freq * x * (stroke + 1) + stroke))
            for dy in (-1, 0, 1):
                for dx in (0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < height and 0 <= xx < width:
                        i = (yy * width + xx) * 4
                        buf[i : i + 4] = b"\x1b\x2a\x4a\xff"
    return encode_png_rgba(width, height, bytes(buf))


def png_data_url(png: bytes) -> str:
    return DATA_URL_PREFIX + base64.b64encode(png).decode("ascii")
