"""Signing in and out: credentials, the redirect after sign-in, cookies and hashes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from portal.accounts.models import User
from portal.accounts.services.passwords import hash_password
from portal.config import ConfigError, load_config
from tests.accounts.conftest import error_text, flashes
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _sign_in(client, email, password=PASSWORD, **kwargs):
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs
    )


def _signed_in(client) -> bool:
    """Whether the client's session belongs to someone (the start page needs sign-in)."""
    response = client.get("/")
    assert response.status_code in {200, 302}
    return response.status_code == 200


def test_correct_credentials_sign_in(client, f):
    user = f.user(name="Anna Andersson")
    assert not _signed_in(client)

    response = _sign_in(client, user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    start = client.get("/")
    assert start.status_code == 200
    assert "Anna Andersson" in start.get_data(as_text=True)


def test_wrong_password_and_unknown_email_look_the_same(client, f):
    user = f.user()

    wrong_password = _sign_in(client, user.email, "not the password at all")
    unknown_email = _sign_in(client, "nobody@example.org", PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 400
    message = error_text(wrong_password.get_data(as_text=True))
    assert message
    assert message == error_text(unknown_email.get_data(as_text=True))
    assert not _signed_in(client)


def test_email_is_case_insensitive(client, f):
    user = f.user(email="kim.larsson@example.org")

    response = _sign_in(client, "  Kim.Larsson@EXAMPLE.org ")

    assert response.status_code == 302
    assert _signed_in(client)
    assert user.email == "kim.larsson@example.org"


def test_inactive_user_cannot_sign_in(client, f, db_session):
    user = f.user()
    reference = error_text(_sign_in(client, "nobody@example.org").get_data(as_text=True))
    user.active = False
    db_session.commit()

    response = _sign_in(client, user.email)

    assert response.status_code == 400
    assert error_text(response.get_data(as_text=True)) == reference
    assert not _signed_in(client)


def test_deactivating_ends_an_open_session(client, f, db_session):
    user = f.user()
    login(client, user.email)
    assert _signed_in(client)

    user.active = False
    db_session.commit()

    assert not _signed_in(client)


def test_invited_user_without_password_cannot_sign_in(client, f):
    user = f.user(password=False)
    reference = error_text(_sign_in(client, "nobody@example.org").get_data(as_text=True))

    response = _sign_in(client, user.email, "any password at all")

    assert response.status_code == 400
    assert error_text(response.get_data(as_text=True)) == reference
    assert not _signed_in(client)


def test_empty_form_is_refused(client):
    response = _sign_in(client, "", "")
    assert response.status_code == 400
    assert error_text(response.get_data(as_text=True))


def test_protected_page_sends_to_sign_in_and_back(client, f):
    association = f.association()
    admin = f.admin(association)
    target = f"/a/{association.slug}/people/"

    response = client.get(target)
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")

    token = csrf_token(client, login_url)
    response = client.post(
        login_url, data={"email": admin.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["/healthz", "/a/forbund/people/?page=2", "/"])
def test_next_is_followed_for_relative_paths(client, f, target):
    user = f.user()
    response = _sign_in(client, user.email, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_next_is_ignored_unless_a_relative_path(client, f, target):
    user = f.user()
    response = _sign_in(client, user.email, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signed_in_person_visiting_login_goes_to_start(client, f):
    user = f.user()
    login(client, user.email)
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_is_post_only_with_csrf(client, f):
    user = f.user()
    login(client, user.email)

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert _signed_in(client)

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not _signed_in(client)
    page = client.get("/login").get_data(as_text=True)
    assert [category for category, _text in flashes(page)] == ["info"]


def test_session_cookie_is_httponly_and_samesite_lax(client, f):
    user = f.user()
    token = csrf_token(client, "/login")

    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )

    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, response.headers
    attributes = {part.strip().lower() for part in cookies[-1].split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_production_cookies_are_secure_and_need_a_secret_key():
    config = load_config(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": "k" * 64,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        }
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "production", "SECRET_KEY": None})


def test_production_refuses_per_worker_rate_limits_unless_told(monkeypatch):
    """Issue 19, item 4: memory:// counted per worker and production said nothing."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_ALLOW_MEMORY", raising=False)
    base = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64}
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_config(base)
    monkeypatch.setenv("RATELIMIT_ALLOW_MEMORY", "1")
    assert load_config(base)["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.delenv("RATELIMIT_ALLOW_MEMORY")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_config(base)["RATELIMIT_STORAGE_URI"].startswith("redis://")
    monkeypatch.delenv("REDIS_URL")
    assert load_config({**base, "RATELIMIT_ENABLED": False})  # no limits, nothing to share
    assert load_config({"PORTAL_ENV": "development"})["RATELIMIT_STORAGE_URI"] == "memory://"


def test_passwords_are_stored_as_argon2id(f, db_session):
    assert hash_password("a long enough password").startswith("$argon2id$")
    user = f.user()
    stored = db_session.scalar(sa.select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_weak_old_hash_is_upgraded_on_sign_in(client, f, db_session):
    user = f.user()
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db_session.commit()

    login(client, user.email)

    db_session.refresh(user)
    assert user.password_hash != weak
    assert user.password_hash.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(user.password_hash)


def test_sign_in_attempts_are_rate_limited(client, app):
    token = csrf_token(client, "/login")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    data = {"email": "nobody@example.org", "password": "wrong", "csrf_token": token}

    statuses = [client.post("/login", data=data).status_code for _ in range(limit + 1)]

    assert statuses[:limit] == [400] * limit
    assert statuses[limit] == 429
