"""Unfinished answers: checked, encoded at the round's fixed size, kept encrypted."""

from __future__ import annotations

import math
from collections.abc import Sequence

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys import crypto
from portal.surveys.answering import sql
from portal.surveys.answering.link import DONT_KNOW, Access, AskedQuestion, require_open
from portal.surveys.models import FREE_TEXT_MAX


def load_draft(access: Access) -> dict[str, str]:
    """The saved answers (empty when there is no draft)."""
    if access.draft is None:
        return {}
    nonce, ciphertext = access.draft
    invitation = access.invitation
    data = crypto.decrypt_draft(
        access.token, invitation.token_salt, invitation.id, nonce, ciphertext
    )
    if data is None:
        return {}
    return decode(access.questions, data)[1]


def encode(questions: Sequence[AskedQuestion], answers: dict[str, str], group_id: int) -> bytes:
    """Checked answers at the round's fixed size (``crypto.encode_answers``)."""
    return crypto.encode_answers(questions, answers, group_id=group_id, dont_know=DONT_KNOW)


def decode(questions: Sequence[AskedQuestion], data: bytes) -> tuple[int, dict[str, str]]:
    """(group id, answers) of ``encode``'s bytes."""
    return crypto.decode_answers(questions, data, dont_know=DONT_KNOW)


def check(
    questions: Sequence[AskedQuestion], answers: dict[str, str], *, complete: bool
) -> dict[str, str]:
    """The answers that belong to the questions, stripped; raise on the first bad one.

    ``complete`` also requires every required question to be answered.
    """
    clean: dict[str, str] = {}
    for question in questions:
        value = (answers.get(question.code) or "").strip()
        if not value:
            if complete and question.required:
                raise DomainError(_("Answer this question."), question.code)
            continue
        if question.is_scale:
            allowed = {str(p) for p in range(1, (question.points or 0) + 1)}
            if question.dont_know_label:
                allowed.add(DONT_KNOW)
            if value not in allowed:
                raise DomainError(_("Choose one of the options on the scale."), question.code)
        elif len(value) > FREE_TEXT_MAX:
            raise DomainError(_("Write at most %(n)d characters.", n=FREE_TEXT_MAX), question.code)
        clean[question.code] = value
    _check_text_fits(questions, clean)
    return clean


def _check_text_fits(questions: Sequence[AskedQuestion], clean: dict[str, str]) -> None:
    """Raise unless the free text answers fit the ballot's fixed text block together
    (``crypto.pack_texts``): a ballot's length is the same for everyone, so what does
    not fit is refused, never cut. The error names the longest answer and about how
    many characters to take away (the compressed overflow in characters of these
    texts, rounded up with a margin)."""
    written = [q for q in questions if not q.is_scale and clean.get(q.code)]
    if not written:
        return
    texts = [clean.get(q.code, "") for q in questions if not q.is_scale]
    try:
        crypto.pack_texts(texts, crypto.text_budget(questions))
    except crypto.TextTooLongError as too_long:
        characters = sum(len(t) for t in texts)
        per_byte = characters / too_long.packed
        shorten = math.ceil(too_long.overflow * per_byte * 1.1 / 10) * 10
        longest = max(written, key=lambda q: len(clean[q.code]))
        raise DomainError(
            _(
                "Your written answers are too long together to be kept:"
                " shorten them by about %(n)d characters.",
                n=shorten,
            ),
            longest.code,
        ) from too_long


def missing(questions: Sequence[AskedQuestion], answers: dict[str, str]) -> list[AskedQuestion]:
    """Required questions without an answer."""
    return [q for q in questions if q.required and not (answers.get(q.code) or "").strip()]


def save_draft(access: Access, answers: dict[str, str]) -> None:
    """Keep unfinished answers, encrypted with a key derived from the link, at the
    same length whatever they are (the length of a draft tells nothing).

    One statement that inserts the draft or replaces the one there is: two saves at
    once (a double click, two tabs) leave one draft, the last one written.
    """
    require_open(access)
    clean = check(access.questions, answers, complete=False)
    invitation = access.invitation
    nonce, ciphertext = crypto.encrypt_draft(
        access.token, invitation.token_salt, invitation.id, encode(access.questions, clean, 0)
    )
    db.session.execute(
        sql.upsert_draft(),
        {"invitation": invitation.id, "nonce": nonce, "ciphertext": ciphertext},
    )
