"""Who may see a group's members and change them: every role (as tests/core/test_permissions)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.groups.models import Membership
from tests.conftest import post
from tests.support.foundation import ADMINS, GROUP_READERS, NAME_READERS, ROLES, expect
from tests.support.sessions import sign_in


@pytest.mark.parametrize("role", ROLES)
def test_group_member_names_are_for_admins_and_members_only(client, world, role):
    sign_in(client, world, role)
    response = client.get(f"/a/{world.slug}/groups/{world.group_id}")
    expect(response, role, role in GROUP_READERS)
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        assert "Hudiksvalls kommun" in html  # everyone who sees the group sees its agencies
        assert (world.seated_name in html) is (role in NAME_READERS)


@pytest.mark.parametrize("role", ROLES)
def test_post_add_member(client, world, db_session, role):
    sign_in(client, world, role)
    response = post(
        client,
        f"/a/{world.slug}/groups/{world.group_id}/members",
        {
            "user_id": world.newcomer_id,
            "agency_id": world.agency_id,
            "role": "member",
            "valid_from": "2024-01-01",
        },
        token_page="/login" if role == "anonymous" else "/",
    )
    expect(response, role, role in ADMINS, success=302)
    seats = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(Membership.user_id == world.newcomer_id)
    )
    assert seats == (1 if role in ADMINS else 0)


@pytest.mark.parametrize("role", ROLES)
def test_post_end_membership(client, world, db_session, role):
    sign_in(client, world, role)
    response = post(
        client,
        f"/a/{world.slug}/groups/{world.group_id}/members/{world.seated_membership_id}/end",
        {"valid_to": "2024-06-30", "lock_version": 1},
        token_page="/login" if role == "anonymous" else "/",
    )
    expect(response, role, role in ADMINS, success=302)
    valid_to = db_session.scalar(
        sa.select(Membership.valid_to).where(Membership.id == world.seated_membership_id)
    )
    assert valid_to == (dt.date(2024, 6, 30) if role in ADMINS else None)
