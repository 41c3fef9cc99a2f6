"""The interface language: Swedish by default, English on request, remembered per person."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login

LANG_RE = re.compile(r'<html lang="([a-z]+)">')


def _lang(client, url: str = "/login") -> str:
    match = LANG_RE.search(client.get(url).text)
    assert match
    return match.group(1)


def _choose_language(client, locale: str, next_url: str = "/login", token_page: str = "/login"):
    return client.post(
        "/language",
        data={"locale": locale, "next": next_url, "csrf_token": csrf_token(client, token_page)},
    )


def test_swedish_by_default(client):
    assert _lang(client) == "sv"


def test_switch_to_english_and_back(client):
    response = _choose_language(client, "en")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert _lang(client) == "en"
    assert 'lang="sv"' in client.get("/login").text  # the switch back is offered in Swedish

    _choose_language(client, "sv")
    assert _lang(client) == "sv"


def test_language_switch_needs_csrf(client):
    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 400
    assert _lang(client) == "sv"


def test_choice_is_saved_for_the_next_session(app, f, db_session):
    user = f.user()
    client = app.test_client()
    login(client, user.email)

    _choose_language(client, "en", next_url="/", token_page="/")

    assert _lang(client, "/") == "en"
    db_session.refresh(user)
    assert user.locale == "en"

    later = app.test_client()
    assert _lang(later) == "sv"  # not signed in yet: nothing known about the person
    login(later, user.email)
    assert _lang(later, "/") == "en"


def test_session_choice_wins_over_the_saved_one(app, f, db_session):
    user = f.user()
    user.locale = "en"
    db_session.commit()
    client = app.test_client()
    _choose_language(client, "sv")
    login(client, user.email)
    assert _lang(client, "/") == "sv"


@pytest.mark.parametrize("locale", ["de", "", "sv_SE", "EN", "../en"])
def test_unsupported_locale_is_ignored(client, f, db_session, locale):
    user = f.user()
    login(client, user.email)

    response = _choose_language(client, locale, next_url="/", token_page="/")

    assert response.status_code == 302
    assert _lang(client, "/") == "sv"
    db_session.refresh(user)
    assert user.locale is None


@pytest.mark.parametrize("target", ["/login", "/healthz?x=1", "/a/forbund/people/"])
def test_next_is_followed_for_relative_paths(client, target):
    response = _choose_language(client, "en", next_url=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/login",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_next_is_ignored_unless_a_relative_path(client, target):
    response = _choose_language(client, "en", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_backslash_in_next_stays_on_site(client):
    # Werkzeug percent-encodes the backslash, so the browser cannot read it as "//".
    response = _choose_language(client, "en", next_url="/\\evil.example")
    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "\\" not in location


def test_next_with_a_tab_is_ignored(client):
    response = _choose_language(client, "en", next_url="/\t/evil.example")
    assert response.headers["Location"] == "/"
