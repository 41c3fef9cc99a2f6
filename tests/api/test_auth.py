"""Tokens: one 401 for every failure, 404 across associations, GET only, rate limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.api import services
from portal.api.models import ApiToken
from portal.extensions import limiter
from tests.api.conftest import ApiWorld
from tests.api.schema import assert_valid
from tests.conftest import put_session

UNAUTHORIZED = {"error": {"status": 401, "message": "Unauthorized"}}


def _revoked_secret(db_session: Any, aworld: ApiWorld) -> str:
    from portal.organisations.models import Association

    association = db_session.get(Association, aworld.association_id)
    admin = db_session.get(User, aworld.world.user_ids["admin"])
    token, secret = services.create_token(admin, association, "Gammal")
    services.revoke_token(admin, token)
    db_session.commit()
    return secret


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer svp_unknown", "Bearer x" * 50],
)
def test_missing_or_unknown_tokens_get_one_answer(client, aworld, authorization) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get(aworld.base, headers=headers)
    assert response.status_code == 401
    assert response.json == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert_valid("/associations/{association_id}", response.json, status="401")


def test_a_revoked_token_gets_the_same_answer(client, aworld, db_session) -> None:
    secret = _revoked_secret(db_session, aworld)
    response = client.get(aworld.base, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.json == UNAUTHORIZED


def test_the_scheme_is_case_insensitive(client, aworld) -> None:
    response = client.get(aworld.base, headers={"Authorization": f"bearer {aworld.secret}"})
    assert response.status_code == 200


def test_another_associations_token_finds_nothing(client, aworld) -> None:
    other = {"Authorization": f"Bearer {aworld.other_secret}"}
    for path in ("", "/groups", f"/groups/{aworld.world.group_id}", "/surveys/rounds"):
        response = client.get(aworld.base + path, headers=other)
        assert response.status_code == 404, path
        assert response.json == {"error": {"status": 404, "message": "Not Found"}}
    own = client.get(f"/api/v1/associations/{aworld.other_association_id}", headers=other)
    assert own.json["name"] == "Samordningsförbundet Annanstans"


def test_a_group_of_another_association_is_not_found(client, aworld, f, db_session) -> None:
    from portal.organisations.models import Association

    other = db_session.get(Association, aworld.other_association_id)
    foreign = f.group(other, name="Mysam Annanstans")
    db_session.commit()
    response = client.get(f"{aworld.base}/groups/{foreign.id}", headers=aworld.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_only_get_is_allowed(client, aworld, method) -> None:
    response = client.open(f"{aworld.base}/groups", method=method, headers=aworld.headers)
    assert response.status_code == 405
    assert response.json == {"error": {"status": 405, "message": "Method Not Allowed"}}
    assert "GET" in response.headers["Allow"]


def test_unknown_api_addresses_are_json_404(client, aworld) -> None:
    response = client.get("/api/v1/nothing-here", headers=aworld.headers)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json["error"]["status"] == 404


def test_server_errors_are_json(app, client, aworld, monkeypatch) -> None:
    from portal.api import serialize

    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(serialize, "association_json", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get(aworld.base, headers=aworld.headers)
    assert response.status_code == 500
    assert response.json == {"error": {"status": 500, "message": "Internal Server Error"}}


def test_the_api_sets_no_cookie_and_is_not_cached(client, aworld) -> None:
    response = client.get(aworld.base, headers=aworld.headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert "Authorization" in response.headers["Vary"]


def test_a_session_does_not_open_the_api(client, aworld) -> None:
    """A signed-in admin's cookie is not a credential for the API."""
    put_session(client, aworld.world.user_ids["admin"])
    assert client.get(aworld.base).status_code == 401


def test_use_is_recorded_at_most_every_few_minutes(client, aworld, db_session) -> None:
    token = db_session.get(ApiToken, aworld.token_id)
    assert token.last_used_at is None
    client.get(aworld.base, headers=aworld.headers)
    db_session.expire_all()
    first = db_session.get(ApiToken, aworld.token_id).last_used_at
    assert first is not None
    client.get(aworld.base, headers=aworld.headers)
    db_session.expire_all()
    assert db_session.get(ApiToken, aworld.token_id).last_used_at == first
    later = first + services.LAST_USED_RESOLUTION + dt.timedelta(seconds=1)
    services.note_use(token, later)
    assert token.last_used_at == later


def test_only_the_hash_of_the_secret_is_stored(aworld, db_session) -> None:
    token = db_session.get(ApiToken, aworld.token_id)
    assert token.token_hash == services.hash_secret(aworld.secret)
    assert aworld.secret not in {token.token_hash, token.prefix, token.name}
    assert aworld.secret.startswith(token.prefix)
    assert len(token.prefix) == 12
    row = db_session.execute(sa.text("SELECT * FROM api_tokens")).all()
    assert all(aworld.secret not in str(value) for r in row for value in r)


def test_requests_are_limited_per_token(app, client, aworld, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    limiter.reset()
    statuses = [client.get(aworld.base, headers=aworld.headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(aworld.base, headers=aworld.headers)
    assert limited.json == {"error": {"status": 429, "message": "Too Many Requests"}}
    assert "Retry-After" in limited.headers
    other = {"Authorization": f"Bearer {aworld.other_secret}"}
    other_url = f"/api/v1/associations/{aworld.other_association_id}"
    assert client.get(other_url, headers=other).status_code == 200
