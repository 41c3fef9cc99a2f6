"""The submit without the session: its CSRF token is bound to the slot's cookie, and
the session cookie is read only by a request that uses it (``portal.core.sessions``)."""

from __future__ import annotations

from typing import Any

from portal.surveys.models import Ballot, Draft
from tests.support.surveys import enter, links, make_round
from tests.surveys.test_respond import answer_everything, count, review_form


def _opened(client: Any, sworld: Any, db_session: Any) -> str:
    make_round(db_session, sworld)
    return enter(client, links(db_session)[sworld.emails["member"]])


def test_a_submit_needs_no_session_cookie_and_writes_none(client, sworld, db_session) -> None:
    link = _opened(client, sworld, db_session)
    answer_everything(client, link, db_session, sworld)
    form = review_form(client, link)
    cookie = client.application.config["SESSION_COOKIE_NAME"]
    assert client.get_cookie(cookie) is not None  # the answers page's CSRF token is in it
    client.delete_cookie(cookie)
    response = client.post(link + "/submit", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/receipt")
    assert not any(
        value.startswith(f"{cookie}=") for value in response.headers.getlist("Set-Cookie")
    )
    assert count(db_session, Ballot) == 1
    assert count(db_session, Draft) == 0


def test_a_submit_token_works_for_its_own_slot_only(client, sworld, db_session) -> None:
    """Two openings of one link have two slots, each with its cookie: the review page
    of one does not submit through the other, and records nothing."""
    link = _opened(client, sworld, db_session)
    answer_everything(client, link, db_session, sworld)
    form = review_form(client, link)
    other = enter(client, links(db_session)[sworld.emails["member"]])
    assert other != link
    client.delete_cookie(client.application.config["SESSION_COOKIE_NAME"])
    response = client.post(other + "/submit", data=form)
    assert response.status_code == 400
    assert count(db_session, Ballot) == 0
    assert count(db_session, Draft) == 1


def test_a_forged_submit_token_is_refused(client, sworld, db_session) -> None:
    link = _opened(client, sworld, db_session)
    answer_everything(client, link, db_session, sworld)
    form = review_form(client, link)
    form["csrf_token"] = "0" * len(form["csrf_token"])
    response = client.post(link + "/submit", data=form)
    assert response.status_code == 400
    assert count(db_session, Ballot) == 0


def test_a_refused_submit_still_tells_why(client, sworld, db_session) -> None:
    """A submit that cannot be recorded (here: it brings no answers) reads the session
    after all, for the message the next page shows."""
    link = _opened(client, sworld, db_session)
    answer_everything(client, link, db_session, sworld)
    form = {k: v for k, v in review_form(client, link).items() if not k.startswith("answer-")}
    response = client.post(link + "/submit", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/answers")
    assert "Besvara frågan." in client.get(link + "/answers").get_data(as_text=True)
    assert count(db_session, Ballot) == 0
