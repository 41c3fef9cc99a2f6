"""Unfinished answers: checked, encoded at the round's fixed size, kept encrypted."""

from __future__ import annotations

import enum
import functools
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


class Problem(enum.Enum):
    """Why answers cannot be kept as they are (``problem``); ``check`` words it."""

    UNANSWERED = "unanswered"
    OFF_SCALE = "off_scale"
    TOO_LONG = "too_long"  # one free text answer over FREE_TEXT_MAX characters
    TEXTS_TOO_LONG = "texts_too_long"  # the free text answers do not fit together


def problem(
    questions: Sequence[AskedQuestion],
    answers: dict[str, str],
    *,
    complete: bool,
    packed: bool = True,
) -> tuple[dict[str, str], tuple[Problem, AskedQuestion] | None]:
    """The answers that belong to the questions, stripped, and the first problem with
    them (with its question), or None. Words nothing, so it needs no request: the
    submit's fast path (``answering.fast``) asks only whether there is one.

    ``complete`` also requires every required question to be answered. ``packed=False``
    leaves out whether the free texts fit together, for a caller that encodes the
    answers next (``encode`` raises ``crypto.TextTooLongError`` when they do not).
    """
    clean: dict[str, str] = {}
    for question in questions:
        value = (answers.get(question.code) or "").strip()
        if not value:
            if complete and question.required:
                return clean, (Problem.UNANSWERED, question)
            continue
        if question.is_scale:
            if value not in _allowed(question):
                return clean, (Problem.OFF_SCALE, question)
        elif len(value) > FREE_TEXT_MAX:
            return clean, (Problem.TOO_LONG, question)
        clean[question.code] = value
    written = [q for q in questions if not q.is_scale and clean.get(q.code)]
    if packed and written and _packed_overflow(questions, clean) is not None:
        longest = max(written, key=lambda q: len(clean[q.code]))
        return clean, (Problem.TEXTS_TOO_LONG, longest)
    return clean, None


def _allowed(question: AskedQuestion) -> frozenset[str]:
    """The values a scale question accepts: its points, and "don't know" if offered."""
    return _scale_values(question.points or 0, bool(question.dont_know_label))


@functools.cache
def _scale_values(points: int, dont_know: bool) -> frozenset[str]:
    values = [str(p) for p in range(1, points + 1)]
    return frozenset([*values, DONT_KNOW] if dont_know else values)


def _packed_overflow(
    questions: Sequence[AskedQuestion], clean: dict[str, str]
) -> crypto.TextTooLongError | None:
    """The error of packing the free text answers into the ballot's fixed text block
    (``crypto.pack_texts``), or None when they fit: a ballot's length is the same for
    everyone, so what does not fit is refused, never cut."""
    texts = [clean.get(q.code, "") for q in questions if not q.is_scale]
    try:
        crypto.pack_texts(texts, crypto.text_budget(questions))
    except crypto.TextTooLongError as too_long:
        return too_long
    return None


def check(
    questions: Sequence[AskedQuestion], answers: dict[str, str], *, complete: bool
) -> dict[str, str]:
    """The answers that belong to the questions, stripped; raise on the first bad one
    (``problem``), in words for the person.

    ``complete`` also requires every required question to be answered.
    """
    clean, found = problem(questions, answers, complete=complete)
    if found is None:
        return clean
    kind, question = found
    if kind is Problem.UNANSWERED:
        raise DomainError(_("Answer this question."), question.code)
    if kind is Problem.OFF_SCALE:
        raise DomainError(_("Choose one of the options on the scale."), question.code)
    if kind is Problem.TOO_LONG:
        raise DomainError(_("Write at most %(n)d characters.", n=FREE_TEXT_MAX), question.code)
    raise _texts_too_long(questions, clean, question)


def _texts_too_long(
    questions: Sequence[AskedQuestion], clean: dict[str, str], longest: AskedQuestion
) -> DomainError:
    """The error for free text answers too long together: it names the longest answer
    and about how many characters to take away (the compressed overflow in characters
    of these texts, rounded up with a margin)."""
    too_long = _packed_overflow(questions, clean)
    assert too_long is not None  # ``problem`` found it so
    texts = [clean.get(q.code, "") for q in questions if not q.is_scale]
    characters = sum(len(t) for t in texts)
    per_byte = characters / too_long.packed
    shorten = math.ceil(too_long.overflow * per_byte * 1.1 / 10) * 10
    return DomainError(
        _(
            "Your written answers are too long together to be kept:"
            " shorten them by about %(n)d characters.",
            n=shorten,
        ),
        longest.code,
    )


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
