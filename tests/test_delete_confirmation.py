"""Without JavaScript, "Ta bort" asks first: a delete address answers GET with a page
that names what will go and posts back to itself; only the POST deletes."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal import RESOURCES
from portal.accounts.models import User
from portal.groups.models import Group
from portal.organisations.models import Agency, AssociationPerson
from tests.conftest import login, post

DELETE_WORDS = re.compile(r"(delete|remove)")


def test_every_delete_address_asks_first(app: Flask) -> None:
    """Every delete or remove endpoint (but the API's and revocations) answers GET."""
    rules = [r for r in app.url_map.iter_rules() if DELETE_WORDS.search(r.endpoint)]
    assert len(rules) >= 11
    without = [r.rule for r in rules if "GET" not in (r.methods or ())]
    assert not without, f"deletes that cannot ask first: {without}"
    change_item = next(r for r in app.url_map.iter_rules() if r.endpoint == "plans.change_item")
    assert "GET" in (change_item.methods or ())  # action=delete asks first


def test_no_page_posts_a_delete_without_asking() -> None:
    """A page links to the confirmation; no form on it posts to a delete address."""
    form_to_delete = re.compile(
        r"<form[^>]*action=\"\{\{ url_for\('[\w.]*(delete|remove)[\w]*'|"
        r"post_button\(url_for\('[\w.]*(delete|remove)|action='delete'\)[^<]*\}\}\"[^>]*>\s*"
        r"<input type=\"hidden\" name=\"csrf_token\""
    )
    offenders = [
        str(path.relative_to(RESOURCES))
        for path in (RESOURCES / "templates").rglob("*.html")
        if path.name != "confirm_delete.html" and form_to_delete.search(path.read_text("utf-8"))
    ]
    assert not offenders


@pytest.fixture
def world(client: Any, f: Any) -> dict[str, Any]:
    association = f.association()
    admin = f.admin(association)
    spare = f.agency(association, name="Reservkommunen")
    unused = f.group(association, name="Mysam Tomgrupp", municipalities=[spare])
    person = f.user(association, name="Olle Oanvänd")
    login(client, admin.email)
    return {"slug": association.slug, "agency": spare, "group": unused, "person": person}


@pytest.mark.parametrize(
    ("kind", "path", "model"),
    [
        ("group", "/a/{slug}/groups/{id}/delete", Group),
        ("person", "/a/{slug}/people/{id}/remove", User),
        ("agency", "/a/{slug}/agencies/{id}/delete", Agency),
    ],
)
def test_get_asks_and_only_the_post_deletes(
    client: Any, db_session: Any, world: dict[str, Any], kind: str, path: str, model: Any
) -> None:
    if kind == "agency":
        # The spare agency covers the unused group: free it first.
        post(client, f"/a/{world['slug']}/groups/{world['group'].id}/delete")
    obj = world[kind]
    url = path.format(slug=world["slug"], id=obj.id)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert obj.name in html
    assert f'<form method="post" action="{url}"' in html
    assert 'name="csrf_token"' in html
    assert "Avbryt" in html  # a way back
    assert db_session.get(model, obj.id) is not None, "a GET deleted"
    response = post(client, url)
    assert response.status_code == 302
    db_session.expire_all()
    if kind == "person":  # leaves the register
        registered = sa.select(AssociationPerson).where(AssociationPerson.user_id == obj.id)
        assert db_session.scalar(registered) is None
    else:
        assert db_session.scalar(sa.select(model).where(model.id == obj.id)) is None
