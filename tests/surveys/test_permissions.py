"""Who may see and run the survey pages: every role against every page and action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from portal.groups.services import today
from portal.surveys import services
from portal.surveys.models import SurveyRound
from tests.conftest import post, put_session
from tests.support.sessions import sign_in
from tests.support.surveys import make_round

ROLES = ["anonymous", "platform_admin", "admin", "board", "process_leader", "other_leader",
         "member", "former", "registered", "other_admin"]  # fmt: skip
LEADERS = {"process_leader", "other_leader"}
SEE = {"admin", "board"} | LEADERS


def expect(response: Any, role: str, allowed: bool, success: int = 200) -> None:
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif allowed:
        assert response.status_code == success, response.get_data(as_text=True)[:800]
    else:
        assert response.status_code == 404


@pytest.fixture
def rounds(sworld: Any, db_session: Any) -> dict[str, int]:
    open_round = make_round(db_session, sworld, year=2026)
    closed = make_round(db_session, sworld, year=2025)
    services.close_round(None, closed)
    draft = make_round(db_session, sworld, year=2027, open_it=False)
    # Openable today, for the "open" action below (by hand: the service keeps a
    # round's dates within its year).
    draft.opens_on, draft.closes_on = today(), today() + dt.timedelta(days=7)
    db_session.commit()
    return {"open": open_round.id, "closed": closed.id, "draft": draft.id}


PAGES = {
    "index": ("/a/{slug}/surveys", SEE),
    "new": ("/a/{slug}/surveys/new", {"admin"}),
    "show open": ("/a/{slug}/surveys/{open}", {"admin"} | LEADERS),
    "show closed": ("/a/{slug}/surveys/{closed}", SEE),
    "show draft": ("/a/{slug}/surveys/{draft}", {"admin"} | LEADERS),
    "edit draft": ("/a/{slug}/surveys/{draft}/edit", {"admin"}),
    "results": ("/a/{slug}/surveys/{closed}/results", SEE),
    "free text": ("/a/{slug}/surveys/{closed}/free-text", {"admin"}),
    "instrument": ("/a/{slug}/surveys/instruments/{instrument}", SEE),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_get_pages(client, sworld, rounds, role, page) -> None:
    template, allowed = PAGES[page]
    sign_in(client, sworld, role)
    url = template.format(slug=sworld.slug, instrument=sworld.instrument_id, **rounds)
    expect(client.get(url), role, role in allowed)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("action", "which", "allowed"),
    [
        ("open", "draft", {"admin"}),
        ("close", "open", {"admin"}),
        ("remind", "open", {"admin"} | LEADERS),
    ],
)
def test_post_actions(client, sworld, rounds, db_session, role, action, which, allowed) -> None:
    sign_in(client, sworld, role)
    response = post(
        client,
        f"/a/{sworld.slug}/surveys/{rounds[which]}/{action}",
        token_page="/login" if role == "anonymous" else "/",
    )
    expect(response, role, role in allowed, success=302)
    db_session.expire_all()
    status = db_session.get(SurveyRound, rounds[which]).status.value
    if action == "open":
        assert status == ("open" if role in allowed else "draft")
    if action == "close":
        assert status == ("closed" if role in allowed else "open")


def test_another_associations_round_is_absent(client, sworld, rounds, f, db_session) -> None:
    other = f.association()
    admin = f.admin(other)
    put_session(client, admin.id)
    assert client.get(f"/a/{other.slug}/surveys/{rounds['closed']}").status_code == 404
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyRound)) == 3
