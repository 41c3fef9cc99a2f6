"""Signing in without the sign-in form (it is slow on purpose).

``tests/core/test_permissions.py::test_the_matrix_uses_real_sessions`` shows this
gives the same session as signing in through the form.
"""

from __future__ import annotations

from typing import Any, Protocol


class People(Protocol):
    """A test world that knows its people's ids by role."""

    user_ids: dict[str, int]


def sign_in_user(client: Any, user_id: int) -> None:
    """Sign the person in as the sign-in form does, without the (slow on purpose) form:
    a session record and the cookie's keys. Committed, so other connections see it."""
    from contextlib import nullcontext

    from flask import has_app_context

    from portal.accounts.models import User
    from portal.accounts.services.sessions import start_session
    from portal.accounts.views.sessions import SESSION_KEY
    from portal.extensions import db

    # Inside a test's own app context (db_session) a new one would end its session.
    with nullcontext() if has_app_context() else client.application.app_context():
        user = db.session.get(User, user_id)
        assert user is not None, user_id
        key = start_session(user, "pytest")
        version = user.session_version
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{version}"
        session["_fresh"] = True
        session[SESSION_KEY] = key


def sign_in(client: Any, world: People, role: str) -> None:
    """Sign in the world's person in ``role``; ``anonymous`` stays signed out."""
    if role != "anonymous":
        sign_in_user(client, world.user_ids[role])
