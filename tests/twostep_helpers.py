"""What the two-step tests share: an authenticator app of their own (RFC 6238, written from the
RFC so the app's codes are checked against an independent computation), and the page's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import struct
import time


def totp_code(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows for a base32 `secret` (RFC 6238 / RFC 4226)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def secret_on_page(page_html: str) -> str:
    """The text secret the set-up page shows beside the QR code."""
    match = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page_html)
    if match is None:
        match = re.search(r'value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', page_html)
    assert match, "no secret on the set-up page"
    return html.unescape(match.group(1))
