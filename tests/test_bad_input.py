"""Bad input gets a clear answer on the same page, or a proper 4xx page, and saves nothing.

Wording is translated elsewhere; these tests look at status codes, the error markup, the
typed values shown again, and the database before and after.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import url_for

from portal.groups.models import MembershipRole
from portal.organisations.models import AgencyKind
from tests.conftest import csrf_token, login, post
from tests.test_isolation import state


@dataclass
class Setup:
    """An association administered by one person, with a group and its history."""

    slug: str
    admin_id: int
    group_id: int
    municipality_id: int
    state_agency_id: int
    spare_agency_id: int
    person_id: int
    membership_id: int


@pytest.fixture
def setup(client: Any, f: Any, db_session: Any) -> Setup:
    association = f.association()
    admin = f.admin(association)
    municipality = f.agency(association, name="Ljusdals kommun")
    state_agency = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    spare = f.agency(association, name="Region Gävleborg", kind=AgencyKind.REGION)
    group = f.group(association, name="Mysam Ljusdal", municipalities=[municipality])
    person = f.user(association, name="Eva Ek", email="eva.ek@example.org")
    membership = f.membership(
        group, person, state_agency, MembershipRole.MEMBER, valid_from=dt.date(2023, 3, 1)
    )
    setup = Setup(
        slug=association.slug,
        admin_id=admin.id,
        group_id=group.id,
        municipality_id=municipality.id,
        state_agency_id=state_agency.id,
        spare_agency_id=spare.id,
        person_id=person.id,
        membership_id=membership.id,
    )
    email = admin.email
    db_session.commit()  # a refused request rolls back to here
    login(client, email)
    return setup


def assert_refused_on_the_page(response: Any, *typed: str) -> str:
    """400, the error markup, and what was typed shown again."""
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:2000]
    assert 'role="alert"' in html
    for text in typed:
        assert text in html, text
    return html


def test_registering_a_person_with_a_known_email(client, setup, db_session):
    before = state(db_session)
    response = post(
        client,
        f"/a/{setup.slug}/people/new",
        {"name": "Eva Andersson", "email": "Eva.Ek@Example.org", "invite": "y"},
    )
    html = assert_refused_on_the_page(response, "Eva Andersson", "Eva.Ek@Example.org")
    assert 'class="error"' in html  # next to the e-mail field
    assert state(db_session) == before  # no account, no register row, no invitation


def test_a_membership_ending_before_it_starts(client, setup, db_session):
    before = state(db_session)
    data = {
        "user_id": setup.person_id,
        "agency_id": setup.spare_agency_id,
        "role": "substitute",
        "valid_from": "2024-05-01",
        "valid_to": "2024-04-30",
    }
    url = f"/a/{setup.slug}/groups/{setup.group_id}/members"
    html = assert_refused_on_the_page(post(client, url, data), "2024-05-01", "2024-04-30")
    assert 'id="membership-valid_to-error"' in html
    assert state(db_session) == before

    # The htmx request gets the same answer as a fragment.
    token = csrf_token(client, "/")
    response = client.post(url, data={**data, "csrf_token": token}, headers={"HX-Request": "true"})
    fragment = assert_refused_on_the_page(response, "2024-05-01", "2024-04-30")
    assert "<html" not in fragment
    assert state(db_session) == before


@pytest.mark.parametrize("ended", [False, True], ids=["current", "former"])
def test_deleting_an_agency_that_has_members(client, setup, db_session, ended):
    if ended:
        post(
            client,
            f"/a/{setup.slug}/groups/{setup.group_id}/members/{setup.membership_id}/end",
            {"valid_to": "2023-12-31"},
        )
    before = state(db_session)
    response = post(client, f"/a/{setup.slug}/agencies/{setup.state_agency_id}/delete")
    assert_refused_on_the_page(response, "Försäkringskassan")
    assert state(db_session) == before


def test_deleting_an_agency_that_a_group_covers(client, setup, db_session):
    before = state(db_session)
    response = post(client, f"/a/{setup.slug}/agencies/{setup.municipality_id}/delete")
    assert_refused_on_the_page(response, "Ljusdals kommun")
    assert state(db_session) == before


def test_deleting_an_unused_agency_works(client, setup, db_session):
    response = post(client, f"/a/{setup.slug}/agencies/{setup.spare_agency_id}/delete")
    assert response.status_code == 302
    assert len(state(db_session)["agencies"]) == 2


@pytest.mark.parametrize("ended", [False, True], ids=["current", "former"])
def test_deleting_a_group_that_has_or_had_members(client, setup, db_session, ended):
    if ended:
        post(
            client,
            f"/a/{setup.slug}/groups/{setup.group_id}/members/{setup.membership_id}/end",
            {"valid_to": "2023-12-31"},
        )
    before = state(db_session)
    response = post(client, f"/a/{setup.slug}/groups/{setup.group_id}/delete")
    html = assert_refused_on_the_page(response, "Mysam Ljusdal", "Ljusdals kommun")
    assert "checked" in html  # the covered municipality is still ticked
    assert state(db_session) == before


def test_ending_a_membership_before_it_started(client, setup, db_session):
    before = state(db_session)
    response = post(
        client,
        f"/a/{setup.slug}/groups/{setup.group_id}/members/{setup.membership_id}/end",
        {"valid_to": "2023-02-28", "lock_version": 1},
    )
    html = assert_refused_on_the_page(response, "2023-02-28")
    assert 'id="end-membership-valid_to-error"' in html
    assert state(db_session) == before


def test_ending_a_membership_twice(client, setup, db_session):
    url = f"/a/{setup.slug}/groups/{setup.group_id}/members/{setup.membership_id}/end"
    assert post(client, url, {"valid_to": "2023-12-31", "lock_version": 1}).status_code == 302
    before = state(db_session)
    again = post(client, url, {"valid_to": "2024-06-30", "lock_version": 2})
    assert_refused_on_the_page(again, "2024-06-30")
    assert state(db_session) == before


HUGE = "99999999999999999999"


def test_unknown_ids_are_404(client, setup, db_session):
    s, g = setup.slug, setup.group_id
    before = state(db_session)
    gets = [
        "/a/no-such-association/",
        f"/a/{s}/groups/999999",
        f"/a/{s}/groups/999999/edit",
        f"/a/{s}/agencies/999999",
        f"/a/{s}/people/999999",
        f"/a/{s}/groups/{g}/members/999999/end",
        f"/a/{s}/groups/{HUGE}",
        f"/a/{s}/groups/2147483648",
        f"/a/{s}/agencies/{HUGE}",
        f"/a/{s}/people/{HUGE}",
        f"/a/{s}/groups/{g}/members/{HUGE}/end",
        f"/a/{s}/groups/abc",
        "/platform/associations/999999",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/")
    posts = [
        f"/a/{s}/groups/999999/members",
        f"/a/{s}/groups/999999/delete",
        f"/a/{s}/groups/{g}/members/999999/end",
        f"/a/{s}/agencies/999999/delete",
        f"/a/{s}/people/999999/roles",
        f"/a/{s}/people/999999/invite",
        f"/a/{s}/people/999999/remove",
        f"/a/{s}/mail/999999/retry",
        f"/a/{s}/mail/{HUGE}/retry",
    ]
    for url in posts:
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert state(db_session) == before


def test_page_numbers_out_of_range_show_a_page(client, setup):
    for page in ("0", "-3", "abc", "999999999", HUGE):
        assert client.get(f"/a/{setup.slug}/audit?page={page}").status_code == 200, page


def test_a_post_without_csrf_token_saves_nothing(client, setup, db_session):
    before = state(db_session)
    response = client.post(
        f"/a/{setup.slug}/agencies/new", data={"name": "Hofors kommun", "kind": "municipality"}
    )
    assert response.status_code == 400
    assert "Hofors kommun" not in response.get_data(as_text=True)
    assert state(db_session) == before


LONG_NAME = "Å" + "a" * 200  # 201 characters


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/a/{slug}/agencies/new", {"name": LONG_NAME, "kind": "municipality"}),
        ("/a/{slug}/groups/new", {"name": LONG_NAME, "municipalities": ["{municipality_id}"]}),
        ("/a/{slug}/people/new", {"name": LONG_NAME, "email": "ny@example.org"}),
        ("/a/{slug}/people/{person_id}", {"name": LONG_NAME, "email": "eva.ek@example.org"}),
    ],
    ids=["agency", "group", "person", "person-edit"],
)
def test_an_overlong_name(client, setup, db_session, url, data):
    values = setup.__dict__
    data = {
        k: [v.format(**values) for v in x] if isinstance(x, list) else x for k, x in data.items()
    }
    before = state(db_session)
    response = post(client, url.format(**values), data)
    html = assert_refused_on_the_page(response, LONG_NAME)
    assert re.search(r'id="[a-z-]+-name-error"', html)
    assert state(db_session) == before


def test_a_body_over_the_size_limit(client, setup, db_session):
    before = state(db_session)
    response = post(
        client, f"/a/{setup.slug}/agencies/new", {"name": "x" * 3_000_000, "kind": "region"}
    )
    assert response.status_code == 413
    assert "<h1>" in response.get_data(as_text=True)
    assert state(db_session) == before


def test_a_duplicate_agency_name(client, setup, db_session):
    before = state(db_session)
    response = post(
        client, f"/a/{setup.slug}/agencies/new", {"name": " Ljusdals kommun ", "kind": "region"}
    )
    html = assert_refused_on_the_page(response, "Ljusdals kommun")
    assert 'id="agency-name-error"' in html
    response = post(
        client,
        f"/a/{setup.slug}/agencies/{setup.spare_agency_id}",
        {"name": "Försäkringskassan", "kind": "region"},
    )
    assert_refused_on_the_page(response, "Försäkringskassan")
    assert state(db_session) == before


def test_a_duplicate_group_name(client, setup, db_session):
    before = state(db_session)
    response = post(
        client,
        f"/a/{setup.slug}/groups/new",
        {"name": "Mysam Ljusdal", "municipalities": [setup.municipality_id]},
    )
    html = assert_refused_on_the_page(response, "Mysam Ljusdal")
    assert 'id="group-name-error"' in html
    assert state(db_session) == before


def test_the_last_admin_cannot_drop_their_own_admin_role(client, setup, db_session):
    before = state(db_session)
    url = f"/a/{setup.slug}/people/{setup.admin_id}/roles"
    response = post(client, url, {"roles": ["board"], "lock_version": 1})
    html = assert_refused_on_the_page(response)
    assert 'id="roles-roles-error"' in html
    assert state(db_session) == before


def test_the_last_admin_cannot_leave_the_register(client, setup, db_session):
    before = state(db_session)
    response = post(client, f"/a/{setup.slug}/people/{setup.admin_id}/remove")
    assert response.status_code == 302  # back to the person's page with the reason
    after = state(db_session)
    assert after == before  # still registered, still admin
    assert any(user_id == setup.admin_id for _assoc, user_id in after["register"])


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/a/{slug}/groups/{group_id}/members",
            {"user_id": "abc", "agency_id": "1e9", "role": "king", "valid_from": "2024-13-45"},
        ),
        (
            "/a/{slug}/groups/{group_id}/members",
            {"user_id": HUGE, "agency_id": HUGE, "role": "member", "valid_from": "2024-01-01"},
        ),
        ("/a/{slug}/groups/{group_id}/members/{membership_id}/end", {"valid_to": "31/12/2024"}),
        ("/a/{slug}/groups/new", {"name": "Mysam Ny", "municipalities": ["abc", HUGE]}),
        ("/a/{slug}/groups/new", {"name": "   ", "municipalities": []}),
        ("/a/{slug}/agencies/new", {"name": "Ny", "kind": "spaceship"}),
        ("/a/{slug}/people/new", {"name": "Ny Person", "email": "inte-en-adress"}),
        ("/a/{slug}/people/{admin_id}/roles", {"roles": ["superuser"], "lock_version": 1}),
    ],
    ids=["garbage", "huge-ids", "date-format", "ids", "blank", "kind", "email", "role"],
)
def test_garbage_gets_a_form_error_not_a_crash(client, setup, db_session, url, data):
    before = state(db_session)
    response = post(client, url.format(**setup.__dict__), data)
    assert_refused_on_the_page(response)
    assert state(db_session) == before


def test_nul_bytes_are_refused(client, setup, db_session):
    before = state(db_session)
    response = post(client, f"/a/{setup.slug}/agencies/new", {"name": "Ny\x00", "kind": "region"})
    assert response.status_code == 400
    assert client.get(f"/a/{setup.slug}/audit?page=1\x00").status_code == 400
    assert state(db_session) == before


def test_a_nul_byte_in_a_path_parameter_is_not_found(app, client, setup):
    """Issue 19, item 5: ``/a/gavleborg%00/`` answered 500 on PostgreSQL on every page."""
    with app.test_request_context():
        urls = [
            url_for(rule.endpoint, slug=f"{setup.slug}\x00")
            for rule in app.url_map.iter_rules()
            if rule.arguments == {"slug"} and "GET" in (rule.methods or ())
        ]
    assert len(urls) > 10
    assert "%00" in urls[0]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.get("/password/set/abc%00def").status_code == 404
