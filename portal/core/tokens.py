"""Secret tokens in links and headers: the database keeps only their hash."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex.

    The tokens are long random strings, so a fast unsalted hash is enough; a
    leaked table gives no usable link, feed or API key.
    """
    return hashlib.sha256(token.encode()).hexdigest()
