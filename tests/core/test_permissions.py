"""Who may do what: every role against every foundation action.

Refusals look like absence (404); anonymous visitors are sent to sign in. The
board sees a group's shape (agencies, head count) but no names (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import login
from tests.support.foundation import ADMINS, GROUP_READERS, READERS, ROLES, World, expect
from tests.support.sessions import sign_in, sign_in_user

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
    sign_in_user(client, user_id)
    response = client.get(f"/a/{slug}/groups/{group_id}")
    assert response.status_code == (200 if seated else 404)
