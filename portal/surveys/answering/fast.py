"""The submit in one statement: ``submit``'s common case, for a slot cookie with hints.

A submit through the Flask view (``views.respond.respond_submit``) sends two statements:
the link's query (``link.find``), which names the invitation, its round and everything a
page shows, and then the one that marks the invitation and inserts the ballot. The
common case, a respondent confirming the answers the review page showed, needs little
of the first: the round's public key and the instrument version's questions, which do
not change while the round is open, and the invitation's round and group, which the
slot cookie carries as hints (``views.slots``). So ``try_submit`` seals the ballot with
what the worker keeps and sends one statement that

- marks the invitation answered only if the token's hash, the hinted round and group,
  and "not answered yet" all hold, and only if the round is open, its closing day has
  not passed, and it still has the public key and the instrument version the ballot
  was sealed and checked with;
- inserts the ballot only from the row it marked (as ``sql.submit_at_once``).

It answers whether it wrote. When it did not (a hint, key or version that does not
hold, a closed round, an answered invitation, answers that do not pass ``problem``,
SQLite), nothing was written, and the caller takes the full path, which finds out why
and shows it: this never decides what a respondent sees, only how fast the common case
is recorded. What holds for a submit holds here: one ballot per invitation (the
conditional UPDATE), all or nothing (one statement), the reviewed answers are the ones
sealed, and the database refuses a ballot for a closed round (its trigger).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.core import direct
from portal.groups import services as group_services
from portal.surveys import crypto
from portal.surveys.answering import caches, sql
from portal.surveys.answering.drafts import encode, problem
from portal.surveys.answering.link import AskedQuestion, load_questions
from portal.surveys.answering.submit import Reviewed
from portal.surveys.models import RoundStatus


@dataclass(frozen=True, slots=True)
class OpenRound:
    """What sealing a round's ballot takes: its public key and its instrument version."""

    public_key: bytes
    instrument_id: int
    imported_at: dt.datetime
    questions: tuple[AskedQuestion, ...]


def kept(round_id: int) -> OpenRound | None:
    """The round's key and version if this worker keeps them (no statement)."""
    found: OpenRound | None = caches.OPEN_ROUNDS.get(round_id)
    return found


def open_round(driver: Any, round_id: int) -> OpenRound | None:
    """The round's key and version, read once per worker while it is open (None when it
    is not open). What is kept is checked again by the submit's statement. Reading them
    reads the version's questions through the session: an app context is needed then."""
    opened = kept(round_id)
    if opened is not None:
        return opened
    row = direct.execute(
        driver, sql.OPEN_ROUND, {"round": round_id, "open": RoundStatus.OPEN.value}
    )
    found = row.fetchone()
    if found is None:
        return None
    public_key, instrument_id, imported_at = found
    imported_at = imported_at.astimezone(dt.UTC)  # psycopg's is in the server's zone
    questions = caches.QUESTIONS.questions(instrument_id, imported_at, load_questions)
    opened = OpenRound(bytes(public_key), instrument_id, imported_at, questions)
    caches.OPEN_ROUNDS.put(round_id, opened)
    return opened


def try_submit(
    driver: Any, token: str, round_id: int, group_id: int | None, form: Mapping[str, str]
) -> bool:
    """Seal the reviewed answers in ``form`` and record them in one statement on
    ``driver`` (PostgreSQL's); whether it did. False means nothing was written (see the
    module's text); a database error is raised as SQLAlchemy's, and its statement wrote
    nothing either. The caller commits when ``driver`` is in a transaction."""
    if not crypto.looks_like_token(token):
        return False
    values = _sealed(driver, token, round_id, group_id, form)
    if values is None:
        return False
    row = direct.execute(driver, sql.FAST_SUBMIT, values).fetchone()
    assert row is not None  # count(*) answers one row
    if int(row[0]) != 1:
        caches.OPEN_ROUNDS.drop(round_id)  # read it afresh next time, should it be stale
        return False
    return True


def _sealed(
    driver: Any, token: str, round_id: int, group_id: int | None, form: Mapping[str, str]
) -> dict[str, Any] | None:
    """The statement's values, the ballot sealed, if the form holds reviewed answers
    that pass ``problem`` for the round's version as this worker keeps it; else None."""
    reviewed = Reviewed.of(form)
    opened = None if reviewed is None else open_round(driver, round_id)
    if reviewed is None or opened is None:
        return None
    if (reviewed.instrument_id, reviewed.imported_at) != (opened.instrument_id, opened.imported_at):
        return None
    clean, found = problem(opened.questions, reviewed.answers, complete=True, packed=False)
    if found is not None:
        return None
    try:
        encoded = encode(opened.questions, clean, group_id or 0)
    except crypto.TextTooLongError:  # the free texts do not fit together: Flask says so
        return None
    return {
        "token_hash": crypto.token_hash(token),
        "round": round_id,
        "group": group_id,
        "open": RoundStatus.OPEN.value,
        "today": group_services.today(),
        "public_key": opened.public_key,
        "instrument": opened.instrument_id,
        "imported_at": opened.imported_at,
        "ballot": uuid.uuid4(),
        "sealed": crypto.seal_ballot(opened.public_key, round_id, encoded),
    }
