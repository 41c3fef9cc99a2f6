"""The accessibility statement and the privacy notices: public, linked, edited safely."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.privacy.services import statements
from tests.conftest import csrf_token, put_session

A11Y_FORM = {"compliance": "partial", "body": "Diagrammen saknar textalternativ.",
             "contact": "Mejla oss.", "reviewed_on": "2026-12-01"}  # fmt: skip


def test_the_statements_are_public_and_in_every_footer(rworld, client):
    for url in ("/tillganglighet", "/integritet", f"/a/{rworld.slug}/integritet", "/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert 'href="/tillganglighet"' in html
        assert 'href="/integritet"' in html
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "Myndigheten för digital förvaltning" in html  # the enforcement body, always
    assert 'href="https://www.digg.se/tdosanmalan"' in html


def test_an_unknown_associations_notice_is_404(client):
    assert client.get("/a/finns-inte/integritet").status_code == 404


def test_the_privacy_notice_names_the_controller_and_the_retention_rules(
    db_session, rworld, client
):
    html = client.get(f"/a/{rworld.slug}/integritet").get_data(as_text=True)
    assert "personuppgiftsansvarig" in html
    assert "730 dagar" in html
    assert "90 dagar" in html


def test_the_platform_admin_writes_the_accessibility_statement(db_session, rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, "/platform/tillganglighet")
    saved = client.post("/platform/tillganglighet",
                        data={**A11Y_FORM, "csrf_token": token, "lock_version": "0"})  # fmt: skip
    assert saved.status_code == 302
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "Diagrammen saknar textalternativ." in html
    assert "Delvis förenlig" in html
    assert db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "statement.update")
    ).one()


def test_markdown_in_a_statement_is_sanitized(db_session, rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, "/platform/tillganglighet")
    body = "Hej <script>alert(1)</script> [x](javascript:alert(1)) **fet**"
    client.post("/platform/tillganglighet",
                data={**A11Y_FORM, "body": body, "csrf_token": token,
                      "lock_version": "0"})  # fmt: skip
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "<strong>fet</strong>" in html


def test_two_editors_of_a_privacy_notice_get_a_conflict_not_an_overwrite(
    db_session, rworld, client
):
    put_session(client, rworld.user_ids["platform_admin"])
    url = f"/platform/associations/{rworld.association_id}/integritet"
    token = csrf_token(client, url)
    first = client.post(url, data={"csrf_token": token, "lock_version": "0",
                                   "body": "Först sparad", "contact": ""})  # fmt: skip
    assert first.status_code == 302
    second = client.post(url, data={"csrf_token": token, "lock_version": "0",
                                    "body": "Andra versionen", "contact": ""})  # fmt: skip
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Andra versionen" in html
    assert "Först sparad" in html
    assert statements.privacy_notice(rworld.association_id).body == "Först sparad"


def test_a_save_without_version_is_refused(db_session, rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, "/platform/tillganglighet")
    response = client.post("/platform/tillganglighet", data={**A11Y_FORM, "csrf_token": token})
    assert response.status_code == 400
    assert "Diagrammen saknar textalternativ." in response.get_data(as_text=True)
    assert statements.accessibility() is None


def test_only_the_platform_admin_edits(rworld, client):
    for role in ("admin", "board", "leader"):
        put_session(client, rworld.user_ids[role])
        assert client.get("/platform/tillganglighet").status_code == 404
        url = f"/platform/associations/{rworld.association_id}/integritet"
        assert client.get(url).status_code == 404


def test_a_statements_headings_start_below_the_pages_own():
    html = str(statements.as_html("### Medlemmar\n\ntext\n\n#### Enkäten\n\n    # kod", 3))
    assert "<h3>Medlemmar</h3>" in html
    assert "<h4>Enkäten</h4>" in html
