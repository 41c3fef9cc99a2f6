"""Who may add an agency to an association: every role (see tests/core/test_permissions.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.organisations.models import Agency
from tests.conftest import post
from tests.support.foundation import ADMINS, ROLES, expect
from tests.support.sessions import sign_in


@pytest.mark.parametrize("role", ROLES)
def test_post_create_agency(client, world, db_session, role):
    sign_in(client, world, role)
    response = post(
        client,
        f"/a/{world.slug}/agencies/new",
        {"name": "Nordanstigs kommun", "kind": "municipality"},
        token_page="/login" if role == "anonymous" else "/",
    )
    expect(response, role, role in ADMINS, success=302)
    created = db_session.scalar(
        sa.select(sa.func.count()).select_from(Agency).where(Agency.name == "Nordanstigs kommun")
    )
    assert created == (1 if role in ADMINS else 0)
