"""Survey links and encrypted drafts.

A respondent's link carries a token that is HMAC-SHA256 of the invitation's random salt
under a key derived from the app's ``SECRET_KEY``. The database keeps the salt and the
token's SHA-256 hash, never the token: someone holding only the database (a backup, a
database administrator) can neither rebuild a link nor read a draft. The app itself can
rebuild a link, which is what lets a reminder carry the same link as the invitation.

A draft is encrypted with AES-GCM under a key derived with HKDF from the token, so
reading it needs the link (or the app's secret together with the database).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32
LINK_KEY_INFO = b"samverkansportalen survey link v1"
DRAFT_KEY_INFO = b"samverkansportalen survey draft v1"


def new_salt() -> str:
    """A random salt for a new invitation's link."""
    return secrets.token_hex(16)


def _hkdf(material: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def link_token(secret_key: str, salt: str) -> str:
    """The token in an invitation's link (URL-safe, 43 characters)."""
    key = _hkdf(secret_key.encode(), LINK_KEY_INFO)
    digest = hmac.new(key, bytes.fromhex(salt), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before any database look-up."""
    return len(token) == 43 and all(c.isalnum() or c in "-_" for c in token)


def _draft_key(token: str, salt: str) -> bytes:
    return _hkdf(token.encode(), DRAFT_KEY_INFO, salt=bytes.fromhex(salt))


def encrypt_draft(
    token: str, salt: str, invitation_id: int, data: dict[str, Any]
) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of the draft; the invitation id is bound in as associated data."""
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    aad = f"survey-draft:{invitation_id}".encode()
    return nonce, AESGCM(_draft_key(token, salt)).encrypt(nonce, plaintext, aad)


def decrypt_draft(
    token: str, salt: str, invitation_id: int, nonce: bytes, ciphertext: bytes
) -> dict[str, Any] | None:
    """The draft's contents, or None when it cannot be read with this token."""
    aad = f"survey-draft:{invitation_id}".encode()
    try:
        plaintext = AESGCM(_draft_key(token, salt)).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        return None
    data = json.loads(plaintext)
    return data if isinstance(data, dict) else None
