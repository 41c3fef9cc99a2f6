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
    """Put the person in the session as Flask-Login does."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1"
        session["_fresh"] = True


def sign_in(client: Any, world: People, role: str) -> None:
    """Sign in the world's person in ``role``; ``anonymous`` stays signed out."""
    if role != "anonymous":
        sign_in_user(client, world.user_ids[role])
