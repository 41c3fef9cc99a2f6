"""The summaries' old addresses redirect permanently to ``/a/<slug>/…``; the new ones
keep every object to its association."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.reporting.models import ReportAnalysis
from tests.conftest import csrf_token
from tests.support.sessions import sign_in

PAGES = [  # (old suffix, new suffix) under /associations/<id>/reports and /a/<slug>/reports
    ("", ""),
    ("/2025", "/2025"),
    ("/2025/print", "/2025/print"),
    ("/2025/export.xlsx", "/2025/export.xlsx"),
    ("/2025/export.csv", "/2025/export.csv"),
    ("/2025/texts", "/2025/texts"),
]
FORMS = [
    "/2025/year/analysis/plans",
    "/2025/areas",
    "/2025/areas/{area}",
    "/2025/areas/{area}/carry",
    "/2025/areas/{area}/delete",
]
GROUP_PAGES = ["", "/2025", "/2025/export.xlsx", "/2025/export.csv"]


@pytest.mark.parametrize(("old", "new"), PAGES)
def test_an_old_board_page_moved_permanently(client, rworld, old, new):
    sign_in(client, rworld, "board")
    response = client.get(f"/associations/{rworld.association_id}/reports{old}?period=h1")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/a/{rworld.slug}/reports{new}?period=h1"
    assert client.get(response.headers["Location"]).status_code in {200, 303}


@pytest.mark.parametrize("suffix", GROUP_PAGES)
def test_an_old_group_page_moved_permanently(client, rworld, suffix):
    sign_in(client, rworld, "leader")
    gid = rworld.group_ids["Mysam Alfa"]
    response = client.get(f"/groups/{gid}/summary{suffix}?year=2024")  # the picker's query
    assert response.status_code == 301
    # On the picker the year is a question; on a year's page the address's own year wins.
    new = f"/a/{rworld.slug}/groups/{gid}/summary{suffix}"
    assert response.headers["Location"] == new + ("?year=2024" if suffix == "" else "")
    assert client.get(response.headers["Location"]).status_code in {200, 303}


@pytest.mark.parametrize("form", FORMS)
def test_an_old_form_address_keeps_the_post(client, rworld, form):
    sign_in(client, rworld, "admin")
    old = f"/associations/{rworld.association_id}/reports{form.format(area=7)}"
    token = csrf_token(client, f"/a/{rworld.slug}/reports/2025/texts")
    response = client.post(old, data={"csrf_token": token, "title": "x"})
    assert response.status_code == 308  # the browser posts the same form again
    assert response.headers["Location"] == f"/a/{rworld.slug}/reports{form.format(area=7)}"


def test_a_form_posted_to_the_old_address_is_saved(client, pworld, db_session):
    sign_in(client, pworld, "admin")
    token = csrf_token(client, f"/a/{pworld.slug}/reports/2025/texts")
    old = f"/associations/{pworld.association_id}/reports/2025/year/analysis/plans"
    data = {"csrf_token": token, "body": "Sparad via den gamla adressen.", "lock_version": "0"}
    response = client.post(old, data=data)
    assert response.status_code == 308
    response = client.post(response.headers["Location"], data=data)  # as the browser does
    assert response.status_code == 302  # saved, back to the summary
    [saved] = db_session.scalars(sa.select(ReportAnalysis)).all()
    assert saved.body == "Sparad via den gamla adressen."


@pytest.mark.parametrize("role", ["registered", "other_admin", "other_board", "m1"])
def test_an_old_board_address_tells_a_stranger_nothing(client, rworld, role):
    sign_in(client, rworld, role)
    base = f"/associations/{rworld.association_id}/reports"
    assert client.get(f"{base}/2025").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"{base}/2025/areas", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("role", ["registered", "other_admin", "former"])
def test_an_old_group_address_tells_a_stranger_nothing(client, rworld, role):
    sign_in(client, rworld, role)
    assert client.get(f"/groups/{rworld.group_ids['Mysam Alfa']}/summary/2025").status_code == 404


def test_unknown_old_addresses_are_404(client, rworld):
    sign_in(client, rworld, "admin")
    assert client.get("/associations/999999/reports/2025").status_code == 404
    assert client.get("/groups/999999/summary/2025").status_code == 404


def _other_world(f: Any, db_session: Any) -> tuple[str, int]:
    """Another association with a group of its own."""
    other = f.association()
    group = f.group(other, name="Annan grupp")
    db_session.commit()
    return other.slug, group.id


@pytest.mark.parametrize("suffix", GROUP_PAGES)
def test_another_associations_group_under_our_slug_is_404(client, rworld, f, db_session, suffix):
    _, foreign_group = _other_world(f, db_session)
    sign_in(client, rworld, "admin")
    assert client.get(f"/a/{rworld.slug}/groups/{foreign_group}/summary{suffix}").status_code == 404


def test_our_board_summary_under_another_slug_is_404(client, rworld, f, db_session):
    other_slug, _ = _other_world(f, db_session)
    sign_in(client, rworld, "admin")
    assert client.get(f"/a/{other_slug}/reports/2025").status_code == 404
    assert client.get(f"/a/{other_slug}/reports/2025/texts").status_code == 404
    assert client.get("/a/no-such-association/reports/2025").status_code == 404
