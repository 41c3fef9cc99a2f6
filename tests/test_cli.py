"""The command-line tools: the mail sender, platform administrators and the demo data.

Commands run through Flask's CLI runner inside the test's transaction (the
``db_session`` fixture), so the commits they make are savepoints that vanish with
the test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from portal import create_app
from portal.accounts.models import User
from portal.cli.demo import DEMO_PASSWORD
from portal.core.audit import AuditEvent
from portal.core.mail import MailStatus, OutboxMessage, queue_mail
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.groups.models import Group, MembershipRole
from portal.organisations.models import (
    Agency,
    AgencyKind,
    Association,
    AssociationPerson,
    AssociationRole,
    AssociationRoleName,
)
from tests.conftest import TEST_CONFIG, csrf_token, login

ADMIN_PASSWORD = "ett långt lösenord för drift"


@pytest.fixture
def runner(app: Flask, db_session: Any) -> FlaskCliRunner:
    """A CLI runner whose commands write into the test's transaction."""
    return app.test_cli_runner()


def invoke(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(args=list(args))


# --- mail send ----------------------------------------------------------------------


def test_mail_send_reports_what_it_did(runner, app, db_session, monkeypatch):
    for n in (1, 2):
        queue_mail(recipient=f"person{n}@example.org", subject=f"Ämne {n}", body="Hej!")
    db_session.flush()

    down = invoke(runner, "mail", "send")  # TEST_CONFIG points at a port nobody listens on

    assert down.exit_code == 0, down.output
    assert "sent 0, retry later 2, failed 0" in down.output
    rows = db_session.scalars(sa.select(OutboxMessage)).all()
    assert [(r.status, r.attempts) for r in rows] == [(MailStatus.PENDING, 1)] * 2

    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    db_session.execute(
        sa.update(OutboxMessage).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
    )

    up = invoke(runner, "mail", "send")

    assert up.exit_code == 0, up.output
    assert "sent 2, retry later 0, failed 0" in up.output
    assert "To: person1@example.org" in up.output  # the console backend printed it
    assert {r.status for r in db_session.scalars(sa.select(OutboxMessage))} == {MailStatus.SENT}

    again = invoke(runner, "mail", "send")

    assert "sent 0, retry later 0, failed 0" in again.output


def test_mail_send_first_turns_reset_requests_into_links(runner, f, db_session, monkeypatch):
    from portal.accounts.services.passwords import request_reset

    monkeypatch.setitem(runner.app.config, "MAIL_BACKEND", "console")
    user = f.user(email="kand@example.org")
    request_reset(user.email.upper())
    request_reset("okand@example.org")
    db_session.flush()

    result = invoke(runner, "mail", "send")

    assert result.exit_code == 0, result.output
    assert "sent 1, retry later 0, failed 0" in result.output
    assert "To: kand@example.org" in result.output
    assert "http://portal.test/password/set/" in result.output


def test_sweep_sessions_removes_only_expired_ones(runner, f, db_session):
    from portal.accounts.models import UserSession
    from portal.accounts.services.sessions import start_session
    from portal.db import utcnow

    person = f.user()
    start_session(person, "old")
    start_session(person, "fresh")
    db_session.execute(
        sa.update(UserSession)
        .where(UserSession.user_agent == "old")
        .values(last_seen_at=utcnow() - dt.timedelta(days=1))
    )

    result = invoke(runner, "users", "sweep-sessions")

    assert "removed 1 expired sessions" in result.output
    assert db_session.scalars(sa.select(UserSession.user_agent)).all() == ["fresh"]


# --- users create-admin -------------------------------------------------------------


def test_create_admin_makes_a_platform_admin_who_can_sign_in(runner, client, db_session):
    result = invoke(
        runner,
        "users",
        "create-admin",
        "--email",
        "Drift@Example.org",
        "--name",
        "Dora Drift",
        "--password",
        ADMIN_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    assert "Platform administrator drift@example.org is ready." in result.output
    user = db_session.scalar(sa.select(User).where(User.email == "drift@example.org"))
    assert user is not None
    assert user.name == "Dora Drift"
    assert user.is_platform_admin
    assert db_session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.platform_admin", AuditEvent.object_id == user.id
        )
    )
    login(client, "drift@example.org", ADMIN_PASSWORD)
    assert client.get("/platform/associations").status_code == 200


def test_create_admin_promotes_and_reactivates_an_existing_account(runner, client, f, db_session):
    user = f.user(name="Gammal Användare")
    user.active = False
    db_session.flush()
    version = user.session_version

    result = invoke(
        runner,
        "users",
        "create-admin",
        "--email",
        user.email,
        "--name",
        "Annat Namn",
        "--password",
        ADMIN_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    db_session.refresh(user)
    assert user.is_platform_admin
    assert user.active
    assert user.name == "Gammal Användare"  # an existing account keeps its name
    assert user.session_version == version + 1  # old sessions end with the old password
    login(client, user.email, ADMIN_PASSWORD)


@pytest.mark.parametrize(
    ("email", "name", "password", "error"),
    [
        ("drift@example.org", "Dora Drift", "för kort", "password must be at least 12 characters"),
        ("inte-en-adress", "Dora Drift", ADMIN_PASSWORD, "not a valid e-mail address"),
        ("drift@example.org", "   ", ADMIN_PASSWORD, "name must be 1 to 200 characters"),
    ],
)
def test_create_admin_refuses_bad_input(runner, db_session, email, name, password, error):
    result = invoke(
        runner, "users", "create-admin", "--email", email, "--name", name, "--password", password
    )

    assert result.exit_code == 1
    assert f"Error: {error}" in result.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- demo load ----------------------------------------------------------------------


def row_counts(session: Any) -> dict[str, int]:
    return {
        table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_load_builds_gavleborg_once(runner, client, db_session):
    result = invoke(runner, "demo", "load")

    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert DEMO_PASSWORD in result.output
    secret = re.search(r"Bearer (svp_[A-Za-z0-9_-]+)", result.output).group(1)
    association = db_session.scalar(sa.select(Association).where(Association.slug == "gavleborg"))
    assert association is not None
    _assert_gavleborg_shape(db_session, association)
    _assert_demo_minutes(db_session)
    _assert_open_demo_survey(client, db_session, result.output)
    counts = row_counts(db_session)

    second = invoke(runner, "demo", "load")

    assert second.exit_code == 0, second.output
    assert "already there" in second.output
    assert row_counts(db_session) == counts
    assert secret not in second.output  # shown once, when the token was made
    api = client.get(
        f"/api/v1/associations/{association.id}/groups",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.json["total"] == 9
    login(client, "forbundschef@gavleborg.example.org", DEMO_PASSWORD)
    assert client.get("/a/gavleborg/mail").status_code == 200  # an association admin
    _assert_two_factor_demo(runner.app, result.output)
    _assert_national_demo(runner.app, result.output)


def _assert_national_demo(app: Flask, output: str) -> None:
    """Issue 22: the national network's account is printed and its compilation shows
    pooled figures, and no association it declined to name."""
    assert "natverket@gavleborg.example.org" in output
    client = app.test_client()
    login(client, "natverket@gavleborg.example.org", DEMO_PASSWORD)
    page = client.get("/national?year=2025&group=managers").get_data(as_text=True)
    assert "Samordningsförbund Gävleborg" in page
    assert "Samordningsförbundet Uppsala län" in page
    assert "Samordningsförbundet Dalarna" not in page  # declined being named
    # Below k: it took part and is named, with no figure of its own.
    jamtland = page.split("Samordningsförbundet Jämtland</th>", 1)[1].split("</tr>", 1)[0]
    assert "%" not in jamtland
    assert "Fewer than three associations" not in page
    assert client.get("/a/gavleborg/").status_code == 404


def _assert_two_factor_demo(app: Flask, output: str) -> None:
    """The second board member signs in with the printed key's code."""
    import pyotp

    from portal.cli.demo import DEMO_TOTP_SECRET

    assert DEMO_TOTP_SECRET in output
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": "styrelse2@gavleborg.example.org",
            "password": DEMO_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/login/code"
    code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    response = client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def _assert_open_demo_survey(client: Any, session: Any, output: str) -> None:
    """This year's round is open with sealed answers in, and the three printed links
    open the survey as a member."""
    from portal.surveys.models import Ballot, SurveyResponse, SurveyRound

    links = re.findall(r"http://portal\.test(/survey/[A-Za-z0-9_-]{43})", output)
    assert len(links) == 3
    open_round = session.scalar(
        sa.select(SurveyRound).where(
            SurveyRound.status == "open", SurveyRound.respondent_group == "managers"
        )
    )
    assert open_round is not None
    assert session.scalar(
        sa.select(sa.func.count()).select_from(Ballot).where(Ballot.round_id == open_round.id)
    )
    assert not session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.round_id == open_round.id)
    )
    for link in links:
        page = client.get(link)
        assert page.status_code == 200
        assert "/answers" in page.get_data(as_text=True)
    # The participants' round: three codes printed, each opens the survey once typed.
    codes = re.findall(
        r"http://portal\.test/survey/kod/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", output
    )
    assert len(set(codes)) == 3
    closed_participants = session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
        .where(SurveyRound.respondent_group == "participants_ongoing")
    )
    assert closed_participants
    for code in codes:
        page = client.get(f"/survey/kod/{code}")
        assert page.status_code == 200
        assert "/answers" in page.get_data(as_text=True)


def _assert_demo_minutes(session: Any) -> None:
    """Adjusted by someone other than the writer, after the meeting; every status shows."""
    from portal.meetings.models import Meeting, Minutes, MinutesStatus
    from portal.meetings.services.minutes_state import states

    for minutes in session.scalars(sa.select(Minutes)):
        writers = {r.author_id for r in minutes.revisions}
        assert minutes.adjuster_id is None or minutes.adjuster_id not in writers
        if minutes.status is not MinutesStatus.DRAFT:
            assert minutes.meeting.starts_at < minutes.submitted_at
    shown = {s.value for s in states(list(session.scalars(sa.select(Meeting.id)))).values()}
    assert {"not_written", "draft", "submitted", "approved"} <= shown


def _assert_gavleborg_shape(session: Any, association: Association) -> None:
    agencies = session.scalars(sa.select(Agency).where(Agency.association_id == association.id))
    by_name = {agency.name: agency.kind for agency in agencies}
    assert Counter(by_name.values()) == {
        AgencyKind.STATE: 2,
        AgencyKind.REGION: 1,
        AgencyKind.MUNICIPALITY: 10,
    }
    assert by_name["Gävle kommun"] is AgencyKind.MUNICIPALITY
    assert by_name["Hudiksvalls kommun"] is AgencyKind.MUNICIPALITY

    groups = session.scalars(sa.select(Group).where(Group.association_id == association.id)).all()
    assert len(groups) == 9
    today = utcnow().date()
    for group in groups:
        current = [m for m in group.memberships if m.is_current(today)]
        leaders = [m for m in current if m.role is MembershipRole.PROCESS_LEADER]
        assert len(leaders) == 1, group.name
        assert 4 <= len({m.user_id for m in current}) <= 8, group.name
    shared = next(g for g in groups if "Nordanstig" in g.name)
    assert sorted(a.name for a in shared.municipalities) == [
        "Hudiksvalls kommun",
        "Nordanstigs kommun",
    ]

    roles = Counter(
        session.scalars(
            sa.select(AssociationRole.role).where(AssociationRole.association_id == association.id)
        )
    )
    assert roles == {AssociationRoleName.ADMIN: 1, AssociationRoleName.BOARD: 7}
    [platform] = session.scalars(sa.select(User).where(User.is_platform_admin)).all()
    assert not session.scalar(
        sa.select(AssociationPerson).where(AssociationPerson.user_id == platform.id)
    )  # the operator is not one of the association's people


def test_demo_load_is_refused_in_production(tmp_path: Path, monkeypatch):
    # The one limiter is re-initialised by every create_app; give the suite's back after.
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name, None), raising=False)
    # A database of its own: were the refusal ever lost, nothing shared is touched.
    production = create_app(
        {
            **TEST_CONFIG,
            "PORTAL_ENV": "production",
            "SECRET_KEY": "x" * 32,
            "RATELIMIT_ALLOW_MEMORY": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.sqlite'}",
        }
    )
    with production.app_context():
        try:
            result = production.test_cli_runner().invoke(args=["demo", "load"])
            tables = sa.inspect(db.engine).get_table_names()
        finally:
            db.engine.dispose()

    assert result.exit_code == 1
    assert "Error: demo data is not loaded in production" in result.output
    assert tables == []
