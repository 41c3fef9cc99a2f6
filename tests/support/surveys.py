"""An association with two groups, members from three agency kinds, and the demo instrument."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal import PROJECT_ROOT
from portal.core.mail import OutboxMessage, render_body
from portal.groups.models import MembershipRole
from portal.surveys import services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Instrument, SurveyRound
from tests.support.role_group import people_by_role, role_group

DEMO_FILE = PROJECT_ROOT / "portal" / "surveys" / "data" / "demo-instrument.json"
LINK_RE = re.compile(r"http://portal\.test(/survey/[A-Za-z0-9_-]{43})")


@dataclass
class SurveyWorld:
    """Plain ids; fetch rows again in tests that need them."""

    slug: str
    association_id: int
    group_id: int
    other_group_id: int
    instrument_id: int
    user_ids: dict[str, int]
    emails: dict[str, str]


def demo_text() -> str:
    return Path(DEMO_FILE).read_text(encoding="utf-8")


def build_survey_world(f: Any, db_session: Any) -> SurveyWorld:
    """The survey tests' world (the ``sworld`` fixture), committed."""
    base = role_group(
        f, municipality="Gävle kommun", group="Mysam Gävle", other_group="Mysam Ockelbo"
    )
    association, group, other_group = base.association, base.group, base.other_group
    fk, region = base.fk, base.region
    region_member = f.user(association, name="Rolf Region")
    f.membership(group, region_member, region)
    both = f.user(association, name="Björn Båda")  # in both groups: answers for each
    f.membership(group, both, fk)
    f.membership(other_group, both, fk)
    former = f.user(association, name="Fredrik Förre")
    f.membership(group, former, fk, valid_to=dt.date(2024, 6, 30))
    other_leader = f.user(association, name="Olle Annan")
    f.membership(other_group, other_leader, role=MembershipRole.PROCESS_LEADER)
    users = people_by_role(
        f,
        base,
        region_member=region_member,
        both=both,
        former=former,
        other_leader=other_leader,
    )
    instrument, _ = services.import_instrument(None, parse_instrument(demo_text()))
    db_session.commit()
    return SurveyWorld(
        slug=association.slug,
        association_id=association.id,
        group_id=group.id,
        other_group_id=other_group.id,
        instrument_id=instrument.id,
        user_ids={k: u.id for k, u in users.items()},
        emails={k: u.email for k, u in users.items()},
    )


def round_window(year: int, day: dt.date) -> tuple[dt.date, dt.date]:
    """Valid dates for a round of ``year``: around ``day`` in its own year, else the
    usual August–September window."""
    if year == day.year:
        return (
            max(day - dt.timedelta(days=1), dt.date(year, 1, 1)),
            min(day + dt.timedelta(days=14), dt.date(year, 12, 31)),
        )
    return dt.date(year, 8, 15), dt.date(year, 9, 30)


def make_round(
    db_session: Any,
    world: SurveyWorld,
    *,
    year: int = 2026,
    group_ids: list[int] | None = None,
    k: int = 3,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    open_it: bool = True,
) -> SurveyRound:
    """A round on the demo instrument (opened unless told otherwise), committed."""
    from portal.accounts.models import User
    from portal.groups.services import today
    from portal.organisations.models import Association

    association = db_session.get(Association, world.association_id)
    admin = db_session.get(User, world.user_ids["admin"])
    day = today()
    window = round_window(year, day)
    survey_round = services.create_round(
        admin,
        association,
        services.RoundData(
            year=year,
            instrument_id=world.instrument_id,
            group_ids=group_ids or [world.group_id, world.other_group_id],
            opens_on=opens_on or window[0],
            closes_on=closes_on or window[1],
            min_answers=k,
        ),
    )
    if open_it:
        if opens_on is None and closes_on is None and not window[0] <= day <= window[1]:
            # A round of another year, open today: these tests are about states and
            # access, not dates, so its dates are moved by hand to straddle today
            # (the service keeps a round's dates within its year).
            survey_round.opens_on = day - dt.timedelta(days=1)
            survey_round.closes_on = day + dt.timedelta(days=14)
        services.open_round(admin, survey_round)
    db_session.commit()
    return survey_round


SLOT_RE = re.compile(r'href="(/survey/s/[A-Za-z0-9_-]{32})/answers"')


def enter(client: Any, path: str) -> str:
    """Open a link as its recipient does: the link's opening page sets the cookie and
    leads to the slot's pages; this returns the slot's address (``+ "/answers"``…)."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    match = SLOT_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:500]
    return match[1]


HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
FORM_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def review_form(client: Any, slot: str) -> dict[str, str]:
    """The review page's submit form as a browser sends it: its hidden fields (the
    CSRF token, the instrument version and the answers it shows)."""
    page = client.get(slot + "/review").get_data(as_text=True)
    form = page[page.index(f'action="{slot}/submit"') :]
    form = form[: form.index("</form>")]
    return {name: html.unescape(value) for name, value in HIDDEN_RE.findall(form)}


def answer_and_review(
    client: Any, slot: str, positions: dict[str, int], answers: dict[str, str] | None = None
) -> dict[str, str]:
    """Answer on the slot's questionnaire (``FULL_ANSWERS`` unless told; ``positions``:
    question code → position, the form's field ``q<position>``), go on to the review
    page, and return its submit form (``review_form``)."""
    page = client.get(slot + "/answers").get_data(as_text=True)
    token = FORM_CSRF_RE.search(page)
    assert token, page[:500]
    chosen = FULL_ANSWERS if answers is None else answers
    data = {f"q{positions[code]}": value for code, value in chosen.items()}
    saved = client.post(slot + "/answers", data={**data, "csrf_token": token[1], "review": "1"})
    assert saved.headers["Location"].endswith("/review"), saved.status_code
    return review_form(client, slot)


def links(db_session: Any) -> dict[str, str]:
    """Recipient e-mail → survey path, from the outbox as it is sent (the markers the
    outbox holds rendered into links; the newest mail wins)."""
    out: dict[str, str] = {}
    for message in db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        match = LINK_RE.search(render_body(message.body_text))
        if match:
            out.setdefault(message.recipient, match.group(1))
    return out


def all_links(db_session: Any) -> list[tuple[str, str]]:
    """(recipient, path) for every survey mail."""
    out = []
    for message in db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        match = LINK_RE.search(render_body(message.body_text))
        if match:
            out.append((message.recipient, match.group(1)))
    return out


def instrument(db_session: Any, world: SurveyWorld) -> Instrument:
    return db_session.get(Instrument, world.instrument_id)


FULL_ANSWERS = {"A1": "6", "A2": "7", "B1": "5", "B2": "dk", "B3": "3", "C1": "6", "C2": "2"}


def submit_as(
    db_session: Any, world: SurveyWorld, role: str, answers: dict[str, str], group: str = "group"
) -> None:
    """Submit ``answers`` through the person's link for their group (``"group"``) or the
    other group (``"other"``), as the answer pages do."""
    from portal.surveys import answering

    group_id = world.group_id if group == "group" else world.other_group_id
    email = world.emails[role]
    for recipient, path in all_links(db_session):
        access = answering.find(path.rsplit("/", 1)[1])
        if recipient == email and access.invitation.group_id == group_id:
            answering.submit(access, answers)
            return
    raise AssertionError((role, group))
