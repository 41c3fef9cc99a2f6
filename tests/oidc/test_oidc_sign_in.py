"""Sign-in through an association's OpenID provider (issue 19), against a real provider.

The provider (npm oidc-provider, tests/oidc/provider.mjs) runs on loopback; its login and
consent pages are driven with plain HTTP. Its accounts: ``known``, ``unverified``
(email_verified false) and ``unknown`` (an address no association has).
"""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa

from portal.accounts.models import OidcProvider, TokenPurpose, User, UserSession
from portal.accounts.services import oidc, passwords, totp
from portal.core.audit import AuditEvent
from portal.organisations.models import AssociationPerson
from tests.accounts.conftest import error_text, outbox
from tests.conftest import csrf_token, login, post
from tests.factories import PASSWORD
from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

KNOWN = "oidc.known@example.org"
UNVERIFIED = "oidc.unverified@example.org"
FORM_RE = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture
def setup(app, f, db_session, oidc_issuer):
    """An association with its provider configured, and the known person in it."""
    association = f.association(name="Gävle samordningsförbund")
    admin = f.admin(association)
    person = f.user(association, email=KNOWN)
    f.user(association, email=UNVERIFIED)
    with app.test_request_context():
        oidc.configure(
            admin,
            association,
            oidc.ProviderData(
                issuer=oidc_issuer,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                button_label="Logga in med Gävle kommun",
                required=False,
            ),
            app.config["SECRET_KEY"],
        )
    db_session.commit()
    return association, person, admin


def _start(client, association):
    """Press the association's button; the provider's authorization URL."""
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in med Gävle kommun" in page
    response = post(client, "/login/provider", {"association": association.slug}, "/login")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def _at_provider(authorize_url, login_name):
    """Sign in at the provider and consent; the callback URL it sends the browser to."""
    browser = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _ in range(12):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
            if url.startswith(REDIRECT_URI):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        action, body = FORM_RE.search(response.text).groups()
        data = {name: html.unescape(value) for name, value in HIDDEN_RE.findall(body)}
        if data.get("prompt") == "login":
            data.update(login=login_name, password="any")
        url, method = urljoin(url, html.unescape(action)), "POST"
    raise AssertionError("the provider never sent the browser back")


def _callback(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def _sessions(db_session, user):
    return db_session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def test_code_flow_with_pkce_signs_the_person_in(client, setup, db_session):
    association, person, _ = setup
    authorize = _start(client, association)
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["redirect_uri"] == [REDIRECT_URI]

    callback = _at_provider(authorize, "known")
    response = _callback(client, callback)
    assert response.status_code == 302, error_text(response.get_data(as_text=True))
    assert response.headers["Location"] == "/"
    assert _sessions(db_session, person) == 1  # the same server-side session as a password
    page = client.get("/")
    assert page.status_code == 200
    assert person.name in page.get_data(as_text=True)
    # The attempt is used up: the same answer again signs nobody in.
    other = client.application.test_client()
    assert _callback(other, callback).status_code == 400


def test_a_new_state_and_nonce_for_every_attempt(client, setup):
    association, _, _ = setup
    first = parse_qs(urlsplit(_start(client, association)).query)
    second = parse_qs(urlsplit(_start(client, association)).query)
    for key in ("state", "nonce", "code_challenge"):
        assert first[key] != second[key]


def test_a_wrong_state_is_refused(client, setup, db_session):
    association, person, _ = setup
    callback = _at_provider(_start(client, association), "known")
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    response = _callback(client, forged)
    assert response.status_code == 400
    assert "misslyckades" in error_text(response.get_data(as_text=True))
    assert _sessions(db_session, person) == 0


def test_a_callback_without_an_attempt_is_refused(client, setup, db_session):
    """Login CSRF: a code from someone else's sign-in, sent to this browser."""
    association, person, _ = setup
    other = client.application.test_client()
    callback = _at_provider(_start(other, association), "known")
    assert _callback(client, callback).status_code == 400
    assert _sessions(db_session, person) == 0


def test_an_id_token_with_another_nonce_is_refused(client, setup, db_session, caplog):
    association, person, _ = setup
    callback = _at_provider(_start(client, association), "known")
    # The provider's token carries the nonce of the request; the portal now expects
    # another one (as if the token had been made for a different attempt).
    with client.session_transaction() as session:
        attempt = dict(session["_oidc_attempt"])
        attempt["nonce"] = "a-different-nonce"
        session["_oidc_attempt"] = attempt
    response = _callback(client, callback)
    assert response.status_code == 400
    assert "misslyckades" in error_text(response.get_data(as_text=True))
    assert "nonce" in caplog.text
    assert _sessions(db_session, person) == 0


def test_an_expired_id_token_is_refused(client, setup, db_session, monkeypatch, caplog):
    association, person, _ = setup
    callback = _at_provider(_start(client, association), "known")
    # The provider's ID tokens live an hour: two hours later this one has expired.
    monkeypatch.setattr(oidc, "_now", lambda: int(time.time()) + 2 * 3600)
    response = _callback(client, callback)
    assert response.status_code == 400
    assert "ExpiredToken" in caplog.text
    assert _sessions(db_session, person) == 0


def test_an_unknown_address_is_refused_and_no_account_is_made(client, setup, db_session):
    association, _, _ = setup
    before = db_session.scalar(sa.select(sa.func.count()).select_from(User))
    response = _callback(client, _at_provider(_start(client, association), "unknown"))
    assert response.status_code == 403
    text = error_text(response.get_data(as_text=True))
    assert "oidc.nobody@example.org" in text
    assert "Gävle samordningsförbund" in text
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == before
    assert client.get("/").status_code == 302


def test_a_person_of_another_association_is_refused(client, setup, f, db_session):
    """The address must be in *this* association's register, not just in the portal."""
    association, _, _ = setup
    elsewhere = f.association()
    f.user(elsewhere, email="oidc.nobody@example.org")
    response = _callback(client, _at_provider(_start(client, association), "unknown"))
    assert response.status_code == 403


def test_an_unverified_address_is_refused(client, setup, db_session):
    association, _, _ = setup
    response = _callback(client, _at_provider(_start(client, association), "unverified"))
    assert response.status_code == 400
    assert "bekräftade inte" in error_text(response.get_data(as_text=True))
    assert client.get("/").status_code == 302


def test_the_portals_second_factor_is_still_asked_for(client, setup, app, db_session):
    association, person, _ = setup
    with app.test_request_context():
        totp.set_secret(person, totp.new_secret(), ["aaaaa-bbbbb"], app.config["SECRET_KEY"])
    db_session.commit()
    response = _callback(client, _at_provider(_start(client, association), "known"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert _sessions(db_session, person) == 0


def test_required_provider_refuses_the_password(client, setup, f, db_session):
    association, person, _admin = setup
    db_session.get(OidcProvider, association.id).required = True
    db_session.commit()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "identitetsleverantör" in error_text(response.get_data(as_text=True))
    assert _sessions(db_session, person) == 0
    # Someone who also belongs to an association without the requirement keeps it,
    # and so does a platform admin.
    both = f.user(f.association(), email="both@example.org")
    f._add(AssociationPerson(association_id=association.id, user_id=both.id))
    login(client, both.email)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    operator = f.user(association, platform_admin=True)
    login(client, operator.email)


def test_the_client_secret_is_stored_encrypted_and_never_audited(setup, app, db_session):
    association, _, _ = setup
    row = db_session.get(OidcProvider, association.id)
    assert CLIENT_SECRET not in row.client_secret
    assert oidc.decrypt_secret(row.client_secret, app.config["SECRET_KEY"]) == CLIENT_SECRET
    with pytest.raises(oidc.OidcError):
        oidc.decrypt_secret(row.client_secret, "another-secret-key")
    events = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "oidc.configure"))
    for event in events:
        assert CLIENT_SECRET not in repr(event.after)


def test_the_association_admin_configures_it(client, setup, f, db_session):
    association, _, admin = setup
    page = f"/a/{association.slug}/sign-in"
    outsider = f.admin(f.association())
    login(client, outsider.email)
    assert client.get(page).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, admin.email)
    assert client.get(page).status_code == 200
    data = {
        "issuer": "http://idp.example.org",
        "client_id": "portal",
        "client_secret": "",
        "button_label": "Logga in med Region Gävleborg",
        "required": "y",
    }
    response = post(client, page, data, page)
    assert response.status_code == 400  # plain HTTP only on loopback
    data["issuer"] = "https://idp.example.org/realms/staff/"
    response = post(client, page, data, page)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    row = db_session.get(OidcProvider, association.id)
    db_session.refresh(row)
    assert row.issuer == "https://idp.example.org/realms/staff/"  # as the provider spells it
    assert row.required is True
    # An empty secret keeps the stored one.
    assert oidc.decrypt_secret(row.client_secret, client.application.config["SECRET_KEY"]) == (
        CLIENT_SECRET
    )
    event = db_session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "oidc.configure")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.association_id == association.id
    assert event.after["oidc_required"] is True
    # Saving the same settings again records nothing new.
    count = sa.select(sa.func.count()).where(AuditEvent.action == "oidc.configure")
    recorded = db_session.scalar(count)
    assert post(client, page, data, page).status_code == 302
    assert db_session.scalar(count) == recorded


def test_an_answer_naming_another_issuer_is_refused(client, setup, db_session):
    """RFC 9207 mix-up defence: the ``iss`` of the answer must be the provider asked."""
    association, person, _ = setup
    callback = _at_provider(_start(client, association), "known")
    assert "iss=" in callback
    forged = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fevil.example.org", callback)
    assert _callback(client, forged).status_code == 400
    assert _sessions(db_session, person) == 0


def test_a_reset_link_does_not_bypass_a_required_provider(client, setup, db_session):
    association, person, _ = setup
    db_session.get(OidcProvider, association.id).required = True
    db_session.commit()
    token = passwords.issue_token(person, TokenPurpose.RESET, 24)
    db_session.commit()
    page = f"/password/set/{token}"
    response = post(
        client, page, {"password": "ett-nytt-langt-losen", "confirm": "ett-nytt-langt-losen"}, page
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert _sessions(db_session, person) == 0


@pytest.mark.parametrize(
    ("issuer", "loopback", "allowed"),
    [
        ("https://idp.example.org/realms/x", False, True),
        ("http://idp.example.org", True, False),
        ("http://127.0.0.1:8080", True, True),
        ("http://127.0.0.1:8080", False, False),  # production: not the server's own ports
        ("https://user:pw@idp.example.org", False, False),
        ("https://idp.example.org/?x=1", False, False),
        ("javascript:alert(1)", True, False),
    ],
)
def test_which_issuers_are_accepted(issuer, loopback, allowed):
    assert oidc.issuer_allowed(issuer, loopback=loopback) is allowed


def test_an_accepted_invitation_does_not_sign_in_with_a_password(client, setup, db_session):
    """A new person of a provider-only association joins the register, then signs in
    through the provider: the password the join form asks for does not sign them in."""
    association, _, admin = setup
    login(client, admin.email)
    db_session.get(OidcProvider, association.id).required = True
    db_session.commit()
    post(client, f"/a/{association.slug}/people/new", {"name": "Nils Ny", "email": "n@example.org"})
    body = outbox(db_session)[-1].body_text
    link = re.search(r"http://portal\.test(/join/[A-Za-z0-9_-]+)", body).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    password = "a long enough password"
    data = {"name": "Nils Ny", "password": password, "confirm": password}
    response = post(client, link, data, token_page=link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    user = db_session.scalar(sa.select(User).where(User.email == "n@example.org"))
    assert db_session.get(AssociationPerson, (association.id, user.id)) is not None
    assert client.get("/").status_code == 302
