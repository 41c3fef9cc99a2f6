"""The main pages render for the people who use them."""

from __future__ import annotations

from tests.conftest import login


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}


def test_admin_walks_the_main_pages(client, f):
    association = f.association()
    admin = f.admin(association)
    group = f.group(association)
    f.membership(group)
    login(client, admin.email)
    slug = association.slug
    for url in [
        "/",
        f"/a/{slug}/",
        f"/a/{slug}/agencies",
        f"/a/{slug}/people/",
        f"/a/{slug}/groups/{group.id}",
        f"/a/{slug}/audit",
        f"/a/{slug}/mail",
        f"/a/{slug}/groups/new",
        f"/a/{slug}/agencies/new",
        f"/a/{slug}/people/new",
        f"/a/{slug}/people/{admin.id}",
        f"/a/{slug}/groups/{group.id}/edit",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])


def test_counts_use_swedish_plural_forms(client, f):
    association = f.association()
    admin = f.admin(association)
    f.agency(association)
    login(client, admin.email)
    html = client.get(f"/a/{association.slug}/agencies").get_data(as_text=True)
    assert "1 medlemsorganisation<" in html
    html = client.get(f"/a/{association.slug}/people/").get_data(as_text=True)
    assert "1 person<" in html
