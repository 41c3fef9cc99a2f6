"""A participant code typed or scanned: which token, if any, it stands for.

A code does not say its round. Each open round of source CODES has its own link secret,
so the code's token is made under each of them and one query asks which (if any) an
invitation has. What comes back is a token like a link's; from there the code is
answered exactly as a link is (``link.find``). Nothing here tells why a code found
nothing: mistyped, used, withdrawn, of a closed round, never issued.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.surveys import crypto
from portal.surveys.models import (
    RESPONDENT_SOURCES,
    Invitation,
    RespondentSource,
    RoundKey,
    RoundStatus,
    SurveyRound,
)

CODE_GROUPS = [g for g, source in RESPONDENT_SOURCES.items() if source is RespondentSource.CODES]


def token_for_code(typed: str) -> str | None:
    """The token of the unanswered code invitation ``typed`` names, else None."""
    code = crypto.normalize_code(typed)
    if code is None:
        return None
    rows = db.session.execute(
        sa.select(RoundKey.round_id, RoundKey.wrapped)
        .join(SurveyRound, SurveyRound.id == RoundKey.round_id)
        .where(
            SurveyRound.status == RoundStatus.OPEN,
            SurveyRound.respondent_group.in_(CODE_GROUPS),
        )
    ).all()
    secret = current_app.config["SECRET_KEY"]
    tokens: dict[str, str] = {}
    for round_id, wrapped in rows:
        keys = crypto.unwrap_round_keys(secret, round_id, wrapped)
        token = crypto.code_token(keys.link_secret, code)
        tokens[crypto.token_hash(token)] = token
    if not tokens:
        return None
    found = db.session.scalar(
        sa.select(Invitation.token_hash).where(
            Invitation.token_hash.in_(list(tokens)),
            Invitation.code_batch_id.is_not(None),
            Invitation.answered.is_(False),
        )
    )
    return None if found is None else tokens[found]
