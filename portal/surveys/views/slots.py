"""The slot cookie: what an opened link leaves in the browser, read without a request.

Opening a link (or a participant code) exchanges its token for this cookie, valid only
under ``/survey/s/<slot>`` (``respond.with_slot``). It is signed with ``SECRET_KEY``
(itsdangerous, timed) and holds ``[slot, token, round id, group id]``: the round and the
group are what the token names anyway, kept as hints for the submit's one statement
(``answering.fast``), which checks them against the invitation before it writes. A
cookie of the earlier shape, ``[slot, token]``, is read as well, without hints.

Everything here takes plain values (the cookie's value, the secret), so that the
Flask views and the submit's WSGI fast path (``views.fastpath``) read the cookie, and
check the CSRF token bound to it, by the same code.

The cookie is written by itsdangerous (``URLSafeTimedSerializer``) and read by
``_unsign``: the same checks for the one format ``dump`` writes (HMAC-SHA1 under the
key itsdangerous derives, its age against ``SLOT_HOURS``, the payload's base64, zlib
and JSON), in a third of its time, as every submit reads it. It accepts nothing
itsdangerous would refuse (``tests/surveys/test_slots.py`` compares the two).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
import time
import zlib
from dataclasses import dataclass
from typing import Any

from itsdangerous import URLSafeTimedSerializer

SLOT_COOKIE = "survey_link"
SLOT_HOURS = 12  # how long an opened link's pages work before the link is needed again
SALT = b"survey-link-slot"
_BASE64 = re.compile(r"[A-Za-z0-9_-]+")  # unpadded URL-safe base64, as itsdangerous writes


@dataclass(frozen=True, slots=True)
class SlotCookie:
    """A valid slot cookie's contents. ``round_id`` is None for a cookie without hints;
    ``group_id`` is None as well for a round without Mysam groups (board, list)."""

    slot: str
    token: str
    round_id: int | None
    group_id: int | None


@functools.lru_cache(maxsize=4)
def _signer(secret: str | bytes) -> URLSafeTimedSerializer:
    """Built once per secret: building one signs a test value to learn its output type."""
    return URLSafeTimedSerializer(secret, salt=SALT)


def dump(secret: str | bytes, cookie: SlotCookie) -> str:
    """The cookie's signed value."""
    return _signer(secret).dumps([cookie.slot, cookie.token, cookie.round_id, cookie.group_id])


def load(secret: str | bytes, value: str | None, slot: str) -> SlotCookie | None:
    """The cookie ``value`` holds for ``slot``, if it is signed, fresh and of that slot."""
    data = _unsign(secret, value, SLOT_HOURS * 3600) if value else None
    if not isinstance(data, list) or len(data) not in (2, 4) or data[0] != slot:
        return None
    token = data[1]
    if not isinstance(token, str):
        return None
    round_id, group_id = data[2:] if len(data) == 4 else (None, None)
    if not (isinstance(round_id, int) and isinstance(group_id, int | None)):
        round_id, group_id = None, None  # no usable hints: the token alone
    return SlotCookie(slot, token, round_id, group_id)


def _unsign(secret: str | bytes, value: str, max_age: int, now: int | None = None) -> Any:
    """What ``_signer(secret).loads(value, max_age)`` answers for a value of ``dump``'s
    format (None for any other, or when itsdangerous raises ``BadSignature``)."""
    signed, _, signature = value.rpartition(".")
    payload, _, stamp = signed.rpartition(".")
    compressed = payload.startswith(".")
    if compressed:
        payload = payload[1:]
    if not all(_BASE64.fullmatch(part) for part in (payload, stamp, signature)):
        return None
    digest = hmac.new(_signing_key(secret), signed.encode(), hashlib.sha1).digest()
    if not hmac.compare_digest(_decoded(signature), digest):
        return None
    age = (int(time.time()) if now is None else now) - int.from_bytes(_decoded(stamp), "big")
    if not 0 <= age <= max_age:
        return None
    data = _decoded(payload)
    try:
        return json.loads(zlib.decompress(data) if compressed else data)
    except (zlib.error, ValueError):  # signed by us, so never: itsdangerous raises too
        return None


def _decoded(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except binascii.Error:  # a length no base64 has
        return b""


@functools.lru_cache(maxsize=4)
def _signing_key(secret: str | bytes) -> bytes:
    """itsdangerous' key for ``SALT`` (its default derivation, "django-concat")."""
    material = secret if isinstance(secret, bytes) else secret.encode()
    return hashlib.sha1(SALT + b"signer" + material).digest()  # noqa: S324 - itsdangerous'


@functools.lru_cache(maxsize=4)
def _csrf_key(secret: str | bytes) -> bytes:
    material = secret if isinstance(secret, bytes) else str(secret).encode()
    return hashlib.sha256(b"survey-slot-csrf\x00" + material).digest()


def csrf_token(secret: str | bytes, value: str) -> str:
    """The CSRF token bound to the cookie ``value``: an HMAC of the signed value under a
    key derived from ``SECRET_KEY``. Only a page that was sent the cookie (HttpOnly,
    SameSite=Strict, valid under its slot's path alone) can put it in a form."""
    return hmac.new(_csrf_key(secret), value.encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str | bytes, value: str | None, sent: str) -> bool:
    """Whether ``sent`` is the CSRF token of the cookie ``value``."""
    if not value:
        return False
    return hmac.compare_digest(sent.encode(), csrf_token(secret, value).encode())
