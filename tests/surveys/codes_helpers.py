"""A participants' round (source CODES) on the demo questions, and the ways a
participant and an admin use it through the pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import sqlalchemy as sa

from portal.surveys import services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Instrument, RespondentGroup, SurveyRound
from tests.conftest import CSRF_RE
from tests.support.surveys import SLOT_RE, SurveyWorld, demo_text, round_window

CODE_RE = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>")


def participants_instrument(db_session: Any, code: str = "demo-deltagare") -> Instrument:
    """The demo questions as a participants' (ongoing) instrument version."""
    existing = db_session.scalar(sa.select(Instrument).where(Instrument.code == code))
    if existing is not None:
        return existing
    definition = json.loads(demo_text())
    definition["code"] = code
    instrument, _ = services.import_instrument(None, parse_instrument(json.dumps(definition)))
    instrument.respondent_group = RespondentGroup.PARTICIPANTS_ONGOING
    db_session.flush()
    return instrument


def codes_round(
    db_session: Any,
    world: SurveyWorld,
    *,
    association_id: int | None = None,
    group_ids: list[int] | None = None,
    year: int = 2026,
    k: int = 3,
) -> SurveyRound:
    """An open participants' round of ``world``'s association (or another), committed."""
    from portal.accounts.models import User
    from portal.groups.services import today
    from portal.organisations.models import Association

    association = db_session.get(Association, association_id or world.association_id)
    admin = db_session.get(User, world.user_ids["admin"])
    instrument = participants_instrument(db_session)
    day = today()
    window = round_window(year, day)
    survey_round = services.create_round(
        admin,
        association,
        services.RoundData(
            year=year,
            respondent_group=RespondentGroup.PARTICIPANTS_ONGOING,
            instrument_id=instrument.id,
            group_ids=group_ids or [world.group_id, world.other_group_id],
            opens_on=window[0],
            closes_on=window[1],
            min_answers=k,
        ),
    )
    if not window[0] <= day <= window[1]:
        survey_round.opens_on = day - dt.timedelta(days=1)
        survey_round.closes_on = day + dt.timedelta(days=14)
    services.open_round(admin, survey_round)
    db_session.commit()
    return survey_round


def issue(db_session: Any, survey_round: SurveyRound, group_id: int, n: int) -> list[str]:
    """Issue ``n`` codes through the service (as printed, XXXX-XXXX-XXXX)."""
    import secrets

    from portal.accounts.models import User
    from portal.surveys import crypto

    admin = db_session.scalar(sa.select(User).limit(1))
    issued = services.issue_codes(admin, survey_round, group_id, n, secrets.token_hex(8))
    db_session.commit()
    return [crypto.format_code(c) for c in issued.codes]


def csrf_of(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, page[:500]
    return match[1] or match[2]


def enter_code(client: Any, code: str) -> Any:
    """Type ``code`` on the entry page (POST)."""
    return client.post(
        "/survey/kod", data={"code": code, "csrf_token": csrf_of(client, "/survey/kod")}
    )


def slot_of(client: Any, code: str) -> str:
    """Enter a code that works; the slot's address, as ``tests.surveys.conftest.enter``."""
    response = enter_code(client, code)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = SLOT_RE.search(page)
    assert match, page[:400]
    return match[1]
