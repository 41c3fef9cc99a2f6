"""Who may give a person association roles: every role (see tests/core/test_permissions.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.organisations.models import AssociationRole, AssociationRoleName
from tests.conftest import post
from tests.support.foundation import ADMINS, ROLES, expect
from tests.support.sessions import sign_in


@pytest.mark.parametrize("role", ROLES)
def test_post_set_roles(client, world, db_session, role):
    sign_in(client, world, role)
    response = post(
        client,
        f"/a/{world.slug}/people/{world.newcomer_id}/roles",
        {"roles": ["board"], "lock_version": 1},
        token_page="/login" if role == "anonymous" else "/",
    )
    expect(response, role, role in ADMINS, success=302)
    roles = db_session.scalars(
        sa.select(AssociationRole.role).where(AssociationRole.user_id == world.newcomer_id)
    ).all()
    assert roles == ([AssociationRoleName.BOARD] if role in ADMINS else [])
