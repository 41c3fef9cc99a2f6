"""The national compilation in the API: a national network token reads it, with the
figures of the page; it reads nothing else, and an association's token cannot read it."""

from __future__ import annotations

import sqlalchemy as sa

from portal.api import services as api_services
from portal.core.audit import AuditEvent
from portal.national.services import compile_year
from portal.national.services.export import to_json
from portal.surveys.models import RespondentGroup
from tests.api.schema import assert_valid
from tests.conftest import csrf_token, login
from tests.national.conftest import association_of, closed_round
from tests.national.test_compilation import ANSWERS

PATH = "/national/{year}/{group}"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_national_token_reads_the_compilation_and_nothing_else(
    app, client, f, db_session, instrument, national_user
):
    rounds = [closed_round(f, db_session, instrument, answers) for answers in ANSWERS]
    association = association_of(db_session, rounds[0])
    with app.test_request_context("/"):
        _token, secret = api_services.create_national_token(national_user, "Rapportverktyg")
        _other, association_secret = api_services.create_token(
            f.admin(association), association, "BI"
        )
    response = client.get("/api/v1/national/2025/managers", headers=bearer(secret))
    assert response.status_code == 200, response.json
    assert_valid(PATH, response.json)
    expected = to_json(compile_year(2025, RespondentGroup.MANAGERS))
    assert response.json == expected
    a1 = next(x for x in response.json["lines"] if x["code"] == "A1")
    assert a1["associations"] == 4
    assert client.get("/api/v1/national/2025/nobody", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/national/1999/managers", headers=bearer(secret)).status_code == 400
    # The national token opens no association; the association's token not the compilation.
    own = f"/api/v1/associations/{association.id}"
    assert client.get(own, headers=bearer(secret)).status_code == 404
    assert client.get(own, headers=bearer(association_secret)).status_code == 200
    refused = client.get("/api/v1/national/2025/managers", headers=bearer(association_secret))
    assert refused.status_code == 404
    assert client.get("/api/v1/national/2025/managers").status_code == 401


def test_the_network_creates_and_revokes_its_tokens_audited(client, f, db_session, national_user):
    association = f.association()
    admin = f.admin(association)
    login(client, admin.email)
    assert client.get("/national/api-tokens").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, national_user.email)
    token = csrf_token(client, "/national/api-tokens")
    page = client.post("/national/api-tokens", data={"csrf_token": token, "name": "Excel"})
    assert page.status_code == 200
    assert "svp_" in page.get_data(as_text=True)
    (made,) = api_services.national_tokens()
    assert made.national
    assert made.association_id is None
    # An association's token cannot be revoked from here.
    with client.application.test_request_context("/"):
        theirs, _secret = api_services.create_token(admin, association, "BI")
    gone = client.post(f"/national/api-tokens/{theirs.id}/revoke", data={"csrf_token": token})
    assert gone.status_code == 404
    client.post(f"/national/api-tokens/{made.id}/revoke", data={"csrf_token": token})
    db_session.refresh(made)
    assert made.revoked_at is not None
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.association_id.is_(None))
    ).all()
    assert {"api_token.create", "api_token.revoke"} <= set(actions)
