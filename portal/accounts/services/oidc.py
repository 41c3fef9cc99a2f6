"""Sign-in through an association's OpenID Connect provider.

Authorization code flow with PKCE (S256); ``state`` and ``nonce`` are new for every
attempt and kept in the (signed) Flask session until the provider sends the browser
back. The ID token is checked against the provider's JWKS (signature), ``iss``,
``aud``, ``exp`` and ``nonce``. A person is found by the token's *verified* e-mail among
the people the association already has; the provider never creates an account.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from portal.accounts.models import OidcProvider, User
from portal.core import audit
from portal.extensions import db
from portal.organisations.models import Association, AssociationPerson, AssociationRole

logger = logging.getLogger(__name__)
TIMEOUT = 10  # seconds for each request to the provider
CLOCK_LEEWAY = 60  # seconds of clock difference tolerated on exp/iat
# Asymmetric signatures only: an HS256 token would be "signed" with the client secret,
# and "none" is no signature at all.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


class OidcError(Exception):
    """The sign-in through the provider failed; ``message`` is for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _unreachable() -> str:
    return _("The identity provider could not be reached. Try again later.")


def _misconfigured() -> str:
    return _("The sign-in through the identity provider is not set up correctly.")


def _box(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal oidc").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str, secret_key: str) -> str:
    return _box(secret_key).encrypt(secret.encode()).decode()


def decrypt_secret(stored: str, secret_key: str) -> str:
    try:
        return _box(secret_key).decrypt(stored.encode()).decode()
    except InvalidToken as error:
        raise OidcError(_misconfigured()) from error


def issuer_allowed(issuer: str, *, loopback: bool) -> bool:
    """HTTPS; plain HTTP on the loopback interface only where ``loopback`` (development
    and tests: in production an admin must not point the server at its own services)."""
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or parts.username or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return (
        loopback and parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    )


# --- configuration ----------------------------------------------------------------


@dataclass(frozen=True)
class ProviderData:
    issuer: str
    client_id: str
    client_secret: str  # empty: keep the stored one
    button_label: str
    required: bool


def provider_of(association: Association) -> OidcProvider | None:
    return db.session.get(OidcProvider, association.id)


def configure(
    actor: User, association: Association, data: ProviderData, secret_key: str
) -> OidcProvider:
    """Create or change the association's provider; audited (the secret only as changed)."""
    row = provider_of(association)
    before = None
    if row is None:
        row = OidcProvider(association_id=association.id)
        db.session.add(row)
    else:
        before = _audit_fields(row)
    row.issuer = data.issuer  # exactly as the provider's metadata spells it
    row.client_id = data.client_id
    row.button_label = data.button_label
    row.required = data.required
    secret_changed = bool(data.client_secret)
    if secret_changed:
        row.client_secret = encrypt_secret(data.client_secret, secret_key)
    after = _audit_fields(row)
    if secret_changed:
        after["oidc_client_secret"] = "••••"  # noqa: S105 - only that it changed
    if before is not None and not audit.changed(before, after):
        return row  # saved as it was: nothing to record, as for the association itself
    audit.record(
        actor=actor,
        action="oidc.configure",
        obj=association,
        association_id=association.id,
        summary=row.button_label,
        before=before,
        after=after,
    )
    return row


def _audit_fields(row: OidcProvider) -> dict[str, Any]:
    return {
        "oidc_issuer": row.issuer,
        "oidc_client_id": row.client_id,
        "oidc_button_label": row.button_label,
        "oidc_required": row.required,
    }


def sign_in_buttons() -> list[tuple[str, str]]:
    """(association slug, button text) of every configured provider, by text."""
    rows = db.session.execute(
        sa.select(Association.slug, OidcProvider.button_label)
        .join(OidcProvider, OidcProvider.association_id == Association.id)
        .order_by(OidcProvider.button_label)
    )
    return [(slug, label) for slug, label in rows]


def password_refused(user: User) -> bool:
    """Whether every association the person belongs to requires its provider.

    Platform admins keep their password (they must reach the portal when a provider is
    down); a person with any association that does not require it keeps it too.
    """
    if user.is_platform_admin:
        return False
    ids = set(
        db.session.scalars(
            sa.select(AssociationPerson.association_id).where(AssociationPerson.user_id == user.id)
        )
    ) | set(
        db.session.scalars(
            sa.select(AssociationRole.association_id).where(AssociationRole.user_id == user.id)
        )
    )
    if not ids:
        return False
    required = set(
        db.session.scalars(
            sa.select(OidcProvider.association_id).where(
                OidcProvider.association_id.in_(ids), OidcProvider.required.is_(True)
            )
        )
    )
    return required == ids


# --- the flow ---------------------------------------------------------------------


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise OidcError(_unreachable()) from error
    if not isinstance(data, dict):
        raise OidcError(_unreachable())
    return data


def discover(issuer: str) -> dict[str, Any]:
    """The provider's metadata; its ``issuer`` must be the configured one."""
    metadata = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != issuer or not all(
        isinstance(metadata.get(key), str)
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
    ):
        raise OidcError(_misconfigured())
    return metadata


def _client(row: OidcProvider, redirect_uri: str, secret_key: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=row.client_id,
        client_secret=decrypt_secret(row.client_secret, secret_key),
        scope="openid email",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
    )


def begin(row: OidcProvider, redirect_uri: str, secret_key: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL and what the callback must check (for the session)."""
    metadata = discover(row.issuer)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = generate_token(64)
    with _client(row, redirect_uri, secret_key) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return url, {"state": state, "nonce": nonce, "verifier": verifier}


def _now() -> int:
    return int(time.time())


def finish(
    row: OidcProvider,
    redirect_uri: str,
    secret_key: str,
    attempt: dict[str, str],
    code: str,
) -> str:
    """Exchange the code, check the ID token; the verified e-mail address in it."""
    metadata = discover(row.issuer)
    failed = _("The sign-in through the identity provider failed. Try again.")
    try:
        with _client(row, redirect_uri, secret_key) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=attempt["verifier"],
                timeout=TIMEOUT,
            )
    except Exception as error:  # the provider said no, or did not answer
        logger.warning("token request to %s failed: %r", row.issuer, error)
        raise OidcError(failed) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError(failed)
    try:
        keys = KeySet.import_key_set(cast(KeySetSerialization, _get_json(metadata["jwks_uri"])))
        claims = jwt.decode(id_token, keys, algorithms=ALGORITHMS).claims
        jwt.JWTClaimsRegistry(
            now=_now,
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": row.issuer},
            aud={"essential": True, "value": row.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": attempt["nonce"]},
        ).validate(claims)
    except (JoseError, ValueError, TypeError) as error:
        logger.warning("ID token from %s refused: %r", row.issuer, error)
        raise OidcError(failed) from error
    if "email" not in claims and isinstance(metadata.get("userinfo_endpoint"), str):
        # Providers that follow the spec to the letter give the claims a scope asks for
        # at the userinfo endpoint when they also issue an access token.
        claims = {**claims, **_userinfo(metadata["userinfo_endpoint"], token, claims["sub"])}
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str) or not email:
        raise OidcError(
            _(
                "The identity provider did not confirm your e-mail address, so you "
                "cannot be signed in with it."
            )
        )
    return email.strip().lower()


def _userinfo(url: str, token: dict[str, Any], sub: str) -> dict[str, Any]:
    """The userinfo claims, only if they are about the ID token's subject."""
    access_token = token.get("access_token")
    if not isinstance(access_token, str):
        return {}
    try:
        response = requests.get(
            url, headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as error:
        raise OidcError(_unreachable()) from error
    if not isinstance(info, dict) or info.get("sub") != sub:
        return {}
    return {key: info[key] for key in ("email", "email_verified") if key in info}


def person_in(association: Association, email: str) -> User | None:
    """The active person with this address in the association's register or roles."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        return None
    known = db.session.scalar(
        sa.select(AssociationPerson.user_id).where(
            AssociationPerson.association_id == association.id,
            AssociationPerson.user_id == user.id,
        )
    ) or db.session.scalar(
        sa.select(AssociationRole.user_id)
        .where(AssociationRole.association_id == association.id, AssociationRole.user_id == user.id)
        .limit(1)
    )
    return user if known is not None else None
