"""Two-factor sign-in with TOTP (RFC 6238) and single-use recovery codes.

The secret is stored encrypted (Fernet, key derived from SECRET_KEY with HKDF), so a
copy of the database alone does not yield working codes. A code is accepted once: the
time step it belongs to is remembered.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.accounts.models import RecoveryCode, User
from portal.accounts.services import sessions
from portal.core import audit
from portal.db import affected_rows, utcnow
from portal.extensions import db
from portal.organisations.models import Association, AssociationRole, AssociationRoleName

ISSUER = "Samverkansportalen"
RECOVERY_CODES = 10
STEP = 30  # seconds, the authenticator apps' default


def _box(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal totp").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh base32 secret for the authenticator app."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of ``uri`` as inline SVG (no image request, no script)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=title, svgclass="qr-code"
    )
    return str(svg).replace("<svg ", '<svg role="img" ', 1)  # named by its <title>


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normal(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def is_enabled(user: User) -> bool:
    """Whether the person signs in with a second factor."""
    return user.totp_secret is not None


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now, or one either side) whose code is ``code``, if unused."""
    now_step = int(time.time()) // STEP
    totp = pyotp.TOTP(secret)
    for step in (now_step - 1, now_step, now_step + 1):
        if (last_step is None or step > last_step) and secrets.compare_digest(
            totp.at(step * STEP), code
        ):
            return step
    return None


def enable(user: User, secret: str, code: str, secret_key: str) -> list[str] | None:
    """Turn two-factor on if ``code`` fits ``secret``; the new recovery codes, or None."""
    step = _matching_step(secret, _normal(code), None)
    if step is None:
        return None
    user.totp_secret = _box(secret_key).encrypt(secret.encode()).decode()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record(
        actor=user, action="two_factor.enable", obj=user, association_id=None, summary=user.name
    )
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def set_secret(user: User, secret: str, recovery_codes: list[str], secret_key: str) -> None:
    """Turn two-factor on with a known secret and codes (the demo account only)."""
    user.totp_secret = _box(secret_key).encrypt(secret.encode()).decode()
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash(_normal(c))) for c in recovery_codes
    )


def verify(user: User, code: str, secret_key: str) -> bool:
    """Whether ``code`` is a current, unused TOTP code or an unused recovery code.

    Either is used up by a successful check.
    """
    if user.totp_secret is None:
        return False
    given = _normal(code)
    if given.isdigit() and len(given) == 6:
        try:
            secret = _box(secret_key).decrypt(user.totp_secret.encode()).decode()
        except InvalidToken:
            return False  # SECRET_KEY changed: only a recovery code or a reset helps
        step = _matching_step(secret, given, user.totp_last_step)
        if step is None:
            return False
        user.totp_last_step = step
        return True
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(given),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(affected_rows(used))


def recovery_codes_left(user: User) -> int:
    """How many recovery codes are still unused."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User) -> None:
    """The person turns two-factor off (the view has checked a current code)."""
    _clear(user)
    audit.record(
        actor=user, action="two_factor.disable", obj=user, association_id=None, summary=user.name
    )


def reset(actor: User, association: Association, user: User) -> None:
    """An administrator resets a person's second factor (a lost phone); audited, and
    the person's sessions end."""
    _clear(user)
    sessions.end_sessions(user)
    audit.record(
        actor=actor,
        action="two_factor.reset",
        obj=user,
        association_id=association.id,
        summary=user.name,
    )


def required_for(user: User) -> bool:
    """Whether an association where the person is admin or board member requires it."""
    found = db.session.scalar(
        sa.select(AssociationRole.user_id)
        .join(Association, Association.id == AssociationRole.association_id)
        .where(
            AssociationRole.user_id == user.id,
            AssociationRole.role.in_([AssociationRoleName.ADMIN, AssociationRoleName.BOARD]),
            Association.require_two_factor.is_(True),
        )
        .limit(1)
    )
    return found is not None
