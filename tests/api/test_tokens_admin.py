"""The admin's token page: the secret is shown once; creating and revoking are audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.core.audit import AuditEvent
from tests.conftest import login, post

SECRET_RE = re.compile(r'id="new-token" type="text" readonly value="(svp_[A-Za-z0-9_-]+)"')


@pytest.fixture
def setup(f: Any, db_session: Any) -> dict[str, Any]:
    association = f.association()
    other = f.association()
    values = {
        "slug": association.slug,
        "association_id": association.id,
        "admin": f.admin(association).email,
        "board": f.board(association).email,
        "other_admin": f.admin(other).email,
    }
    db_session.commit()
    return values


def _create(client: Any, setup: dict[str, Any], name: str = "Power BI") -> Any:
    page = f"/a/{setup['slug']}/api-tokens/"
    return post(client, page, {"name": name}, token_page=page)


def test_the_secret_is_shown_once_and_works(client, setup, db_session) -> None:
    login(client, setup["admin"])
    response = _create(client, setup)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = SECRET_RE.search(html).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    again = client.get(f"/a/{setup['slug']}/api-tokens/").get_data(as_text=True)
    assert secret not in again
    assert secret[:12] in again  # the prefix tells tokens apart
    assert "Power BI" in again
    api = client.get(
        f"/api/v1/associations/{setup['association_id']}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status_code == 200
    token = db_session.scalar(sa.select(ApiToken))
    assert token.token_hash != secret
    assert token.created_by.email == setup["admin"]
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.create"))
    assert event.association_id == setup["association_id"]
    assert secret not in (event.summary + str(event.after))


def test_a_name_is_required(client, setup, db_session) -> None:
    login(client, setup["admin"])
    response = _create(client, setup, name="   ")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoking_stops_the_token(client, setup, db_session) -> None:
    login(client, setup["admin"])
    secret = SECRET_RE.search(_create(client, setup).get_data(as_text=True)).group(1)
    token = db_session.scalar(sa.select(ApiToken))
    page = f"/a/{setup['slug']}/api-tokens/"
    response = post(client, f"/a/{setup['slug']}/api-tokens/{token.id}/revoke", token_page=page)
    assert response.status_code == 302
    db_session.expire_all()
    token = db_session.get(ApiToken, token.id)
    assert token.revoked_at is not None
    assert token.revoked_by.email == setup["admin"]
    api = client.get(
        f"/api/v1/associations/{setup['association_id']}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status_code == 401
    actions = set(db_session.scalars(sa.select(AuditEvent.action)))
    assert {"api_token.create", "api_token.revoke"} <= actions
    twice = post(client, f"/a/{setup['slug']}/api-tokens/{token.id}/revoke", token_page=page)
    assert twice.status_code == 302
    assert (
        db_session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "api_token.revoke"))
        == 1
    )


@pytest.mark.parametrize("who", ["board", "other_admin"])
def test_others_find_no_token_pages(client, setup, db_session, who) -> None:
    login(client, setup["admin"])
    _create(client, setup)
    token = db_session.scalar(sa.select(ApiToken))
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    login(client, setup[who])
    base = f"/a/{setup['slug']}/api-tokens"
    assert client.get(f"{base}/").status_code == 404
    assert post(client, f"{base}/", {"name": "X"}).status_code == 404
    assert post(client, f"{base}/{token.id}/revoke").status_code == 404
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_at is None


def test_revoking_needs_the_csrf_token(client, setup, db_session) -> None:
    login(client, setup["admin"])
    _create(client, setup)
    token = db_session.scalar(sa.select(ApiToken))
    response = client.post(f"/a/{setup['slug']}/api-tokens/{token.id}/revoke")
    assert response.status_code == 400
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_at is None


def test_the_admin_menu_links_the_token_page(client, setup) -> None:
    login(client, setup["admin"])
    html = client.get(f"/a/{setup['slug']}/agencies").get_data(as_text=True)
    assert f'href="/a/{setup["slug"]}/api-tokens/"' in html
