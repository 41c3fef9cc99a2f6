"""Fixtures and helpers for the sign-in, password-link and language tests."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.core.mail import OutboxMessage

# The error box of the sign-in page and the flash messages of every page.
ERROR_RE = re.compile(r'<div class="error-summary"[^>]*>(.*?)</div>', re.S)
FLASH_RE = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)


def outbox(session: Any) -> list[OutboxMessage]:
    """Every message queued in the test's transaction, oldest first."""
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def error_text(html: str) -> str:
    """The text of the sign-in page's error box (empty when there is none)."""
    match = ERROR_RE.search(html)
    return match.group(1).strip() if match else ""


def flashes(html: str) -> list[tuple[str, str]]:
    """(category, text) of each flash message on the page."""
    return [(category, text.strip()) for category, text in FLASH_RE.findall(html)]
