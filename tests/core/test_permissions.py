"""Who may do what: every role against every foundation action.

Refusals look like absence (404); anonymous visitors are sent to sign in. The
board sees a group's shape (agencies, head count) but no names (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from portal.groups.models import Membership, MembershipRole
from portal.organisations.models import Agency, AssociationRole, AssociationRoleName
from tests.conftest import login, post

ROLES = [
    "anonymous",
    "platform_admin",
    "admin",
    "board",
    "process_leader",
    "member",
    "other_group_member",
    "registered",
    "other_admin",
]

GROUP_READERS = {"admin", "board", "process_leader", "member"}
NAME_READERS = {"admin", "process_leader", "member"}
READERS = {"admin", "board", "process_leader", "member", "other_group_member", "registered"}
ADMINS = {"admin"}


@dataclass
class World:
    """One association with a group, its people in every role, and a second association."""

    slug: str
    group_id: int
    agency_id: int
    newcomer_id: int
    seated_name: str
    seated_membership_id: int
    user_ids: dict[str, int]


@pytest.fixture
def world(f: Any, db_session: Any) -> World:
    association = f.association()
    other = f.association()
    agency = f.agency(association, name="Hudiksvalls kommun")
    group = f.group(association, municipalities=[agency])
    other_group = f.group(association)
    leader = f.user(association)
    f.membership(group, leader, agency, role=MembershipRole.PROCESS_LEADER)
    member = f.user(association)
    f.membership(group, member, agency)
    seated = f.user(association, name="Sigrid Sittande")
    seat = f.membership(group, seated, agency)
    other_member = f.user(association)
    f.membership(other_group, other_member)
    users = {
        "platform_admin": f.user(platform_admin=True),
        "admin": f.admin(association),
        "board": f.board(association),
        "process_leader": leader,
        "member": member,
        "other_group_member": other_member,
        "registered": f.user(association),
        "other_admin": f.admin(other),
    }
    world = World(
        slug=association.slug,
        group_id=group.id,
        agency_id=agency.id,
        newcomer_id=f.user(association).id,
        seated_name=seated.name,
        seated_membership_id=seat.id,
        user_ids={role: user.id for role, user in users.items()},
    )
    # A refused request rolls back to the last commit; keep the world out of reach of that.
    db_session.commit()
    return world


def sign_in(client: Any, world: World, role: str) -> None:
    """Put the person in the session as Flask-Login does (the form is slow on purpose).

    ``test_the_matrix_uses_real_sessions`` shows this equals signing in through the form.
    """
    if role == "anonymous":
        return
    with client.session_transaction() as session:
        session["_user_id"] = f"{world.user_ids[role]}:1"
        session["_fresh"] = True


def expect(response: Any, role: str, allowed: bool, success: int = 200) -> None:
    """Allowed: the success status; anonymous: to sign-in; anyone else: 404."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif allowed:
        assert response.status_code == success, response.get_data(as_text=True)[:1000]
    else:
        assert response.status_code == 404


PAGES = {
    "overview": ("/a/{slug}/", READERS),
    "agencies": ("/a/{slug}/agencies", ADMINS),
    "agency_edit": ("/a/{slug}/agencies/{agency_id}", ADMINS),
    "people": ("/a/{slug}/people/", ADMINS),
    "person": ("/a/{slug}/people/{newcomer_id}", ADMINS),
    "group": ("/a/{slug}/groups/{group_id}", GROUP_READERS),
    "group_edit": ("/a/{slug}/groups/{group_id}/edit", ADMINS),
    "new_group": ("/a/{slug}/groups/new", ADMINS),
    "end_membership_form": (
        "/a/{slug}/groups/{group_id}/members/{seated_membership_id}/end",
        ADMINS,
    ),
    "audit_log": ("/a/{slug}/audit", ADMINS),
    "mail": ("/a/{slug}/mail", ADMINS),
}


def url(template: str, world: World) -> str:
    return template.format(**world.__dict__)


def test_the_matrix_uses_real_sessions(app, client, world, db_session):
    """The shortcut in ``sign_in`` gives the same session as the sign-in form."""
    from portal.accounts.models import User

    admin = db_session.get(User, world.user_ids["admin"])
    login(client, admin.email)
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{admin.id}:1"
    assert client.get(f"/a/{world.slug}/agencies").status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_get_pages(client, world, role, page):
    template, allowed = PAGES[page]
    sign_in(client, world, role)
    response = client.get(url(template, world))
    expect(response, role, role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_group_member_names_are_for_admins_and_members_only(client, world, role):
    sign_in(client, world, role)
    response = client.get(f"/a/{world.slug}/groups/{world.group_id}")
    expect(response, role, role in GROUP_READERS)
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        assert "Hudiksvalls kommun" in html  # everyone who sees the group sees its agencies
        assert (world.seated_name in html) is (role in NAME_READERS)


def _count(stmt: Any, db_session: Any) -> int:
    return int(db_session.scalar(sa.select(sa.func.count()).select_from(stmt)))


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


@pytest.mark.parametrize(("starts", "ends", "seated"), [(0, None, True), (-30, -1, False)])
def test_a_seat_opens_and_closes_on_the_groups_own_today(
    client, f, db_session, monkeypatch, starts, ends, seated
):
    """Permissions and the group page agree on which day it is (Stockholm, not UTC)."""
    from portal.core import clock

    today = dt.date(2031, 1, 1)
    monkeypatch.setattr(clock, "today", lambda: today)
    association = f.association()
    group = f.group(association)
    person = f.user(association, name="Nils Nykomling")
    f.membership(
        group,
        person,
        valid_from=today + dt.timedelta(days=starts),
        valid_to=None if ends is None else today + dt.timedelta(days=ends),
    )
    slug, group_id, user_id = association.slug, group.id, person.id
    db_session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1"
    response = client.get(f"/a/{slug}/groups/{group_id}")
    assert response.status_code == (200 if seated else 404)
