"""Sign-in by default, the guarded platform pages, CSRF, headers, cookies and limits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db, limiter
from tests.conftest import TEST_CONFIG, csrf_token, login

PUBLIC_ENDPOINTS = {
    "accounts.login",
    "accounts.logout",
    "accounts.forgot_password",
    "accounts.set_password",
    # An invited person may have no account yet; one who has is sent to sign in.
    "consent.join",
    # The code step after the password: the person is not signed in until it passes.
    "accounts.two_factor",
    # Sign-in through an association's identity provider: the way there and back.
    "accounts.oidc_start",
    "accounts.oidc_callback",
    "core.healthz",
    "core.set_language",
    # Calendar programs cannot sign in: the secret, revocable address is the credential.
    "meetings.calendar_feed",
    # A member answers a notice from its personal, single-purpose link (issue 21).
    "meetings.answer_by_link",
    # Respondents answer from their personal link, without an account.
    "surveys.respond_enter",
    "surveys.respond_start",
    "surveys.respond_answers",
    "surveys.respond_autosave",
    "surveys.respond_review",
    "surveys.respond_submit",
    "surveys.respond_receipt",
    # Participants answer with an anonymous code from a slip: typed, or its QR address.
    "surveys.respond_code",
    "surveys.respond_code_open",
    # The API's description is public, like any published API reference.
    "api.openapi",
    # The statements a public body must publish (issue 20).
    "privacy.accessibility",
    "privacy.notices",
    "privacy.privacy_notice",
    "static",
}

# The JSON API authenticates with a bearer token, not the session: without one every
# endpoint answers 401 (checked below), never a sign-in redirect.
TOKEN_GUARDED_ENDPOINTS = {
    "api.association",
    "api.groups",
    "api.group",
    "api.meeting_statistics",
    "api.survey_rounds",
    "api.survey_results",
    "api.plans",
    "api.board_summary",
    "api.national_compilation",
}

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/none"


@contextlib.contextmanager
def other_app(monkeypatch: pytest.MonkeyPatch, app: Flask, **overrides: Any) -> Iterator[Flask]:
    """A second app on the suite's database; the shared limiter is restored afterwards.

    ``limiter`` is one object bound to every app, and ``init_app`` replaces its
    storage and on/off switch, so the suite's app must get them back.
    """
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name, None), raising=False)
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    config.update(overrides)
    other = create_app(config)
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


def dummy_url(rule: Rule) -> str:
    """The rule's URL with 1 for every int argument and "x" for every other one."""
    values = {
        name: 1 if type(converter).__name__ == "IntegerConverter" else "x"
        for name, converter in rule._converters.items()
    }
    return rule.build(values)[1]  # type: ignore[index]


def rules(app: Flask, prefix: str = "") -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(prefix)]


def test_the_public_list_is_exactly_the_views_marked_public(app):
    marked = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "is_public", False)
    }
    assert marked | {"static"} == PUBLIC_ENDPOINTS


def test_every_other_endpoint_sends_anonymous_visitors_to_sign_in(app, client):
    token = csrf_token(client, "/login")
    checked = 0
    for rule in rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS | TOKEN_GUARDED_ENDPOINTS:
            continue
        url = dummy_url(rule)
        for method in sorted(rule.methods or ()):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)
            checked += 1
    assert checked > 40


def test_the_token_guarded_list_is_exactly_the_token_guarded_blueprints(app):
    guarded = {
        endpoint
        for endpoint in app.view_functions
        if getattr(app.blueprints.get(endpoint.rpartition(".")[0]), "is_token_guarded", False)
    }
    assert guarded - PUBLIC_ENDPOINTS == TOKEN_GUARDED_ENDPOINTS


def test_token_guarded_endpoints_answer_401_without_a_token(app, client, f):
    """Also with a signed-in session: the API never reads the session cookie."""
    association = f.association()
    checked = 0
    for signed_in in (False, True):
        if signed_in:
            login(client, f.admin(association).email)
        for rule in rules(app):
            if rule.endpoint not in TOKEN_GUARDED_ENDPOINTS:
                continue
            url = dummy_url(rule).replace("/1", f"/{association.id}", 1)
            for method in sorted(rule.methods or ()):
                response = client.open(url, method=method)
                assert response.status_code == 401, (method, url, response.status_code)
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                checked += 1
    assert checked >= 2 * 3 * len(TOKEN_GUARDED_ENDPOINTS)


def test_platform_pages_look_absent_to_everyone_else(app, client, f):
    association = f.association()
    admin = f.admin(association)
    login(client, admin.email)
    token = csrf_token(client, "/")
    platform_rules = rules(app, "/platform")
    assert platform_rules
    for rule in platform_rules:
        assert rule.endpoint.startswith(("admin.", "privacy.", "surveys.", "national."))
        url = dummy_url(rule).replace("/1", f"/{association.id}")
        for method in sorted(rule.methods or ()):
            data = {"csrf_token": token, "name": "X", "slug": "x"} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url, response.status_code)


def test_a_post_without_csrf_token_gets_the_error_page(client, f):
    association = f.association()
    admin = f.admin(association)
    login(client, admin.email)
    response = client.post(f"/a/{association.slug}/agencies/new", data={"name": "Ny kommun"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "<h1>" in html
    assert "Ny kommun" not in html


def test_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


def test_signed_in_pages_are_not_cached(client, f):
    association = f.association()
    login(client, f.admin(association).email)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


def test_session_cookie_is_httponly_and_lax(client):
    cookie = _session_cookie(client.get("/login"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing runs on http://


def test_production_cookies_are_secure(app, db_session, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with other_app(
        monkeypatch, app, PORTAL_ENV="production", SECRET_KEY="x" * 40, RATELIMIT_ALLOW_MEMORY=True
    ) as prod:
        assert prod.config["SESSION_COOKIE_SECURE"] is True
        assert prod.config["REMEMBER_COOKIE_SECURE"] is True
        response = prod.test_client().get("/login")
        cookie = _session_cookie(response)
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_given_as_override_also_secures_cookies(app, db_session, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    with other_app(
        monkeypatch, app, PORTAL_ENV="production", SECRET_KEY="x" * 40, RATELIMIT_ALLOW_MEMORY=True
    ) as prod:
        assert prod.config["SESSION_COOKIE_SECURE"] is True
        assert prod.config["REMEMBER_COOKIE_SECURE"] is True
        assert "Secure" in _session_cookie(prod.test_client().get("/login"))


def test_production_refuses_to_start_without_secret_key(app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {k: v for k, v in TEST_CONFIG.items() if k != "SECRET_KEY"}
    with pytest.raises(ConfigError):
        create_app({**config, "PORTAL_ENV": "production"})
    with pytest.raises(ConfigError):
        create_app({**config, "PORTAL_ENV": "production", "SECRET_KEY": ""})


def test_sign_in_is_rate_limited(app, db_session, monkeypatch):
    with other_app(
        monkeypatch,
        app,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT="3 per minute",
    ) as limited:
        client: FlaskClient = limited.test_client()
        token = csrf_token(client, "/login")
        data = {"email": "nobody@example.org", "password": "wrong", "csrf_token": token}
        responses = [client.post("/login", data=data) for _ in range(4)]
        assert [r.status_code for r in responses] == [400, 400, 400, 429]
        # The headers of the limit checked (portal.core.ratelimit.after_checks_only).
        assert [r.headers.get("X-RateLimit-Remaining") for r in responses[:3]] == ["2", "1", "0"]
        assert responses[3].headers.get("Retry-After")
        page = client.get("/login")
        assert page.status_code == 200  # only attempts are limited
        assert "X-RateLimit-Limit" not in page.headers


def test_the_limiter_checks_only_rate_limited_blueprints(app, db_session, monkeypatch):
    """Flask-Limiter's per-request check runs for the API, not for pages without limits;
    the sign-in views are checked by their own decorator (test above)."""
    from flask import request

    calls: list[tuple[str | None, bool]] = []  # (endpoint, from the hook)
    real_check = limiter._check_request_limit

    def counted(*args: Any, **kwargs: Any) -> None:
        calls.append((request.endpoint, kwargs.get("in_middleware", True)))
        real_check(*args, **kwargs)

    monkeypatch.setattr(limiter, "_check_request_limit", counted)  # before init_app finds it
    with other_app(monkeypatch, app, RATELIMIT_ENABLED=True) as limited:
        client = limited.test_client()
        healthz = client.get("/healthz")
        assert healthz.status_code == 200
        assert calls == []
        assert "X-RateLimit-Limit" not in healthz.headers
        assert client.get("/login").status_code == 200
        assert calls == [("accounts.login", False)]  # by the view's decorator only
        calls.clear()
        assert client.get("/api/v1/associations/1/groups").status_code == 401
        assert calls == [("api.groups", True)]


def test_the_portal_starts_with_rate_limits_switched_off(app, db_session, monkeypatch):
    with other_app(monkeypatch, app, RATELIMIT_ENABLED=False) as unlimited:
        client = unlimited.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/associations/1/groups").status_code == 401


def test_a_default_rate_limit_refuses_to_start(app, monkeypatch):
    """A default limit would have to be checked on every page: the hook that skips pages
    without limits must not silently drop it."""
    from portal.core.ratelimit import limit_blueprints_only

    manager = type(limiter.limit_manager)
    monkeypatch.setattr(manager, "default_limits", property(lambda _self: ["1 per day"]))
    with pytest.raises(RuntimeError, match="default"):
        limit_blueprints_only(app)


def test_healthz_says_503_when_the_database_is_unreachable(app, monkeypatch):
    # create_app must not connect: it only looks at the dialect name.
    with other_app(
        monkeypatch,
        app,
        SQLALCHEMY_DATABASE_URI=UNREACHABLE_POSTGRES,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 1}},
    ) as broken:
        response = broken.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json == {"status": "unavailable", "database": "down"}


def test_behind_a_trusted_proxy_the_client_address_counts(app, monkeypatch):
    """With TRUSTED_PROXIES=1 the rate limiter sees X-Forwarded-For, not the proxy."""
    from flask import request

    seen: list[str | None] = []
    environ = {"REMOTE_ADDR": "10.0.0.1"}
    headers = {"X-Forwarded-For": "203.0.113.7"}
    for proxies in (1, 0):
        with other_app(monkeypatch, app, TRUSTED_PROXIES=proxies) as proxied:
            proxied.before_request(lambda: seen.append(request.remote_addr))
            proxied.test_client().get("/healthz", headers=headers, environ_base=environ)
    assert seen == ["203.0.113.7", "10.0.0.1"]


def test_a_form_posted_after_the_session_ended_returns_to_its_page(client, f):
    association = f.association()
    group = f.group(association)
    page = f"/a/{association.slug}/groups/{group.id}"
    token = {"csrf_token": csrf_token(client, "/login")}
    response = client.post(
        f"{page}/members", data=token, headers={"Referer": f"http://localhost{page}"}
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [page]
    elsewhere = client.post(
        f"{page}/members", data=token, headers={"Referer": "https://evil.example/x"}
    )
    assert "next" not in elsewhere.headers["Location"]


# Association pages under their old addresses (issue 8's redirects and the invitation
# link resend): they, too, must look absent to someone with no role in the association.
LEGACY_ASSOCIATION_PREFIXES = ("/associations/", "/groups/", "/survey-invitations/")


def test_the_national_network_finds_no_association_page(app, client, f, db_session):
    """The national role reads the compilation and nothing of any association: every
    association page, at its address and its old one, answers 404 for real ids."""
    association = f.association()
    group = f.group(association)
    national = f.user(name="Nationella nätverket")
    national.is_national_network = True
    db_session.flush()
    login(client, national.email)
    token = csrf_token(client, "/")
    values = {"slug": association.slug, "association_id": association.id, "group_id": group.id}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:  # an association's privacy notice is public
            continue
        if not rule.rule.startswith(("/a/", *LEGACY_ASSOCIATION_PREFIXES)):
            continue
        url = rule.build(
            {
                name: values.get(name, 1 if type(converter).__name__ == "IntegerConverter" else "x")
                for name, converter in rule._converters.items()
            }
        )[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) - {"OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            # A bare redirect that reads nothing (/a/<slug>/groups/ → the overview) is
            # followed: where it leads must be absent too.
            response = client.open(url, method=method, data=data, follow_redirects=True)
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked > 150
    assert client.get("/national").status_code == 200
