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
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SLOT_COOKIE = "survey_link"
SLOT_HOURS = 12  # how long an opened link's pages work before the link is needed again


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
    return URLSafeTimedSerializer(secret, salt="survey-link-slot")


def dump(secret: str | bytes, cookie: SlotCookie) -> str:
    """The cookie's signed value."""
    return _signer(secret).dumps([cookie.slot, cookie.token, cookie.round_id, cookie.group_id])


def load(secret: str | bytes, value: str | None, slot: str) -> SlotCookie | None:
    """The cookie ``value`` holds for ``slot``, if it is signed, fresh and of that slot."""
    if not value:
        return None
    try:
        data = _signer(secret).loads(value, max_age=SLOT_HOURS * 3600)
    except BadSignature:
        return None
    if not isinstance(data, list) or len(data) not in (2, 4) or data[0] != slot:
        return None
    token = data[1]
    if not isinstance(token, str):
        return None
    round_id, group_id = data[2:] if len(data) == 4 else (None, None)
    if not (isinstance(round_id, int) and isinstance(group_id, int | None)):
        round_id, group_id = None, None  # no usable hints: the token alone
    return SlotCookie(slot, token, round_id, group_id)


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
