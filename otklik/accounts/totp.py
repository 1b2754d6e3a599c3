"""Time-based one-time passwords (RFC 6238) as every authenticator app makes them: HMAC-SHA1,
30-second steps, 6 digits. Pure functions, no database.

Twenty lines of `hmac` instead of a dependency: we need the matched time step back (to refuse a
replayed code), which is the part libraries hide. tests/accounts/test_two_factor.py checks the
RFC's test vectors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Codes of the previous and the next step are accepted too: a phone's clock a little off.
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for HMAC-SHA1


def new_secret() -> str:
    """A random secret in base32 without padding (what authenticator apps take)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def time_step(timestamp: float) -> int:
    return int(timestamp // STEP_SECONDS)


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226: the code for one counter value (dynamic truncation of the HMAC)."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code_at(secret: str, timestamp: float) -> str:
    """The code an authenticator app shows at `timestamp` (seconds since the epoch)."""
    return hotp(_key(secret), time_step(timestamp))


def normalize_code(code: str) -> str:
    """What people type: spaces and dashes between the digits are allowed."""
    return "".join(ch for ch in (code or "") if ch not in " -\u00a0")


def match_step(secret: str, code: str, timestamp: float, *, after_step: int = -1) -> int | None:
    """The time step whose code is `code`, within the allowed drift of `timestamp` and later than
    `after_step` (the step of the last accepted code: a code is good once); None if none is."""
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = _key(secret)
    now = time_step(timestamp)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// address of the enrolment QR code (Google Authenticator's key URI format)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"


def group(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
