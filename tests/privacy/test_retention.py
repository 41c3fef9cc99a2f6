"""Each retention rule at its boundary: one day short of its period kept, on the day gone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import LoginToken, TokenPurpose, User
from portal.core.audit import AuditEvent
from portal.core.mail import MailStatus, OutboxMessage, queue_mail
from portal.groups.models import Membership
from portal.meetings.models import AnswerLink, Invitee, Meeting, Substitute
from portal.organisations.models import Association
from portal.people.models import RegisterInvitation
from portal.privacy.services import retention
from portal.reporting.services.serialize import board_json
from portal.reporting.services.summary import Period, board_summary
from portal.surveys.models import Invitation, SurveyRound
from tests.conftest import csrf_token, put_session

NOW = dt.datetime(2027, 6, 15, 12, 0, tzinfo=dt.UTC)


def _days(category: str) -> int:
    return retention.days_for(category)


def _run(*, dry_run: bool = False) -> dict[str, int]:
    return {f.category: f.count for f in retention.run(NOW, dry_run=dry_run)}


@pytest.mark.parametrize(("age", "kept"), [(89, True), (90, False)])
def test_sent_mail_copies_go_after_90_days(db_session, age, kept):
    message = queue_mail(recipient="a@example.org", subject="S", body="B")
    message.status = MailStatus.SENT
    message.sent_at = NOW - dt.timedelta(days=age)
    failed = queue_mail(recipient="b@example.org", subject="S", body="B")
    failed.status = MailStatus.FAILED
    failed.created_at = NOW - dt.timedelta(days=age)
    pending = queue_mail(recipient="c@example.org", subject="S", body="B")
    pending.created_at = NOW - dt.timedelta(days=400)
    db_session.flush()
    _run()
    left = set(db_session.scalars(sa.select(OutboxMessage.recipient)))
    assert left == ({"a@example.org", "b@example.org"} if kept else set()) | {"c@example.org"}


@pytest.mark.parametrize(("age", "kept"), [(729, True), (730, False)])
def test_contact_details_of_people_who_left_go_after_two_years(db_session, rworld, age, kept):
    former = db_session.get(User, rworld.user_ids["former"])
    membership = db_session.scalars(
        sa.select(Membership).where(Membership.user_id == former.id)
    ).one()
    membership.valid_to = NOW.date() - dt.timedelta(days=age)
    db_session.flush()
    email = former.email
    _run()
    db_session.expire_all()
    former = db_session.get(User, rworld.user_ids["former"])
    assert (former.email == email) is kept
    assert former.name == "Fredrik Förre"  # the name stays in the records
    assert (former.password_hash is not None) is kept
    # those still seated, and the admins, keep theirs
    assert db_session.get(User, rworld.user_ids["m1"]).email == rworld.emails["m1"]
    assert db_session.get(User, rworld.user_ids["admin"]).email == rworld.emails["admin"]


@pytest.mark.parametrize(("age", "kept"), [(729, True), (730, False)])
def test_audit_details_go_after_two_years(db_session, rworld, age, kept):
    event = AuditEvent(action="person.update", object_type="User", object_id=1, summary="s",
                       before={"name": "A"}, after={"name": "B"},
                       occurred_at=NOW - dt.timedelta(days=age))  # fmt: skip
    db_session.add(event)
    db_session.flush()
    _run()
    db_session.refresh(event)
    assert (event.before is not None) is kept
    assert event.summary == "s"
    assert event.action == "person.update"


@pytest.mark.parametrize(("age", "kept"), [(29, True), (30, False)])
def test_expired_invitations_and_links_go_after_30_days(db_session, rworld, age, kept):
    expired = NOW - dt.timedelta(days=age)
    db_session.add(RegisterInvitation(
        association_id=rworld.association_id, email="ny@example.org", name="Ny",
        token_hash="r" * 64,
        created_at=expired - dt.timedelta(days=2), expires_at=expired,
    ))  # fmt: skip
    db_session.add(LoginToken(
        user_id=rworld.user_ids["m1"], purpose=TokenPurpose.RESET, token_hash="l" * 64,
        created_at=expired - dt.timedelta(days=2), expires_at=expired,
    ))  # fmt: skip
    db_session.flush()
    _run()
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(RegisterInvitation)) == 1
    ) is kept
    assert (db_session.scalar(sa.select(sa.func.count()).select_from(LoginToken)) == 1) is kept


def test_a_dry_run_lists_and_changes_nothing(db_session, rworld):
    message = queue_mail(recipient="a@example.org", subject="S", body="B")
    message.status = MailStatus.SENT
    message.sent_at = NOW - dt.timedelta(days=365)
    db_session.flush()
    findings = retention.run(NOW, dry_run=True)
    mail = next(f for f in findings if f.category == "mail_copies")
    assert mail.items == [f"outbox message {message.id} (sent, {message.created_at:%Y-%m-%d})"]
    assert db_session.get(OutboxMessage, message.id) is not None
    assert not db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "retention.run")
    ).all()


def test_a_changed_period_applies(db_session, rworld):
    admin = db_session.get(User, rworld.user_ids["platform_admin"])
    retention.set_days(admin, "mail_copies", 10, 0)
    message = queue_mail(recipient="a@example.org", subject="S", body="B")
    message.status = MailStatus.SENT
    message.sent_at = NOW - dt.timedelta(days=10)
    db_session.flush()
    assert _run()["mail_copies"] == 1


def test_approved_minutes_adopted_plans_and_summaries_are_kept(db_session, rworld):
    from portal.extensions import db

    tables = ("plans", "activities", "meetings", "meeting_invitees", "minutes_revisions",
              "report_analyses", "survey_responses")  # fmt: skip

    def counts() -> dict[str, int]:
        return {
            t: db_session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables[t]))
            for t in tables
        }

    before = counts()
    retention.run(NOW + dt.timedelta(days=36500), dry_run=False)
    assert counts() == before


def test_the_command_runs_and_dry_runs(app, db_session, rworld):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "mail_copies: would remove" in result.output


def _rule_page(client: Any) -> str:
    return client.get("/platform/retention").get_data(as_text=True)


def test_the_platform_admin_sets_a_period_and_a_stale_form_is_a_conflict(
    db_session, rworld, client
):
    put_session(client, rworld.user_ids["platform_admin"])
    assert "730" in _rule_page(client)
    token = csrf_token(client, "/platform/retention")
    saved = client.post("/platform/retention/audit_details",
                        data={"csrf_token": token, "days": "1095",
                              "lock_version": "0"})  # fmt: skip
    assert saved.status_code == 302
    assert _days("audit_details") == 1095
    stale = client.post("/platform/retention/audit_details",
                        data={"csrf_token": token, "days": "365", "lock_version": "0"})  # fmt: skip
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'value="365"' in html
    assert "1095" in html
    assert _days("audit_details") == 1095


@pytest.mark.parametrize("days", ["0", "-3", "tre", "", "99999999"])
def test_a_bad_period_is_refused_with_the_typed_value_kept(db_session, rworld, client, days):
    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, "/platform/retention")
    response = client.post("/platform/retention/mail_copies",
                           data={"csrf_token": token, "days": days,
                                 "lock_version": "0"})  # fmt: skip
    assert response.status_code == 400
    assert f'value="{days}"' in response.get_data(as_text=True)
    assert _days("mail_copies") == 90


def test_an_unknown_category_is_404(rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, "/platform/retention")
    response = client.post("/platform/retention/nope", data={"csrf_token": token, "days": "3",
                                                             "lock_version": "0"})  # fmt: skip
    assert response.status_code == 404


def _figures(db_session: Any, association_id: int) -> list[dict[str, Any]]:
    association = db_session.get(Association, association_id)
    return [
        board_json(board_summary(association, Period.parse(year, "year"))) for year in (2024, 2025)
    ]


@pytest.mark.parametrize(("age", "kept"), [(29, True), (30, False)])
def test_survey_invitations_lose_their_person_30_days_after_the_round(
    db_session, rworld, age, kept
):
    """The person and the link's hash go; the response rates stay the same."""
    last = db_session.scalars(sa.select(SurveyRound).order_by(SurveyRound.year.desc())).first()
    last.closed_at = NOW - dt.timedelta(days=age)
    db_session.flush()
    before = _figures(db_session, rworld.association_id)
    hashes = set(
        db_session.scalars(sa.select(Invitation.token_hash).where(Invitation.round_id == last.id))
    )
    earlier_count = db_session.scalar(
        sa.select(sa.func.count()).where(Invitation.round_id != last.id)
    )
    found = _run()["survey_invitations"]
    db_session.expire_all()
    rows = db_session.scalars(sa.select(Invitation).where(Invitation.round_id == last.id)).all()
    assert rows  # every invitation is still counted
    assert all((row.membership_id is not None) is kept for row in rows)
    assert (hashes == {row.token_hash for row in rows}) is kept
    assert kept or not hashes & {row.token_hash for row in rows}
    earlier = db_session.scalars(sa.select(Invitation).where(Invitation.round_id != last.id))
    assert all(row.membership_id is None for row in earlier)  # closed long before NOW
    assert found == earlier_count + (0 if kept else len(rows))
    assert _figures(db_session, rworld.association_id) == before
    assert _run()["survey_invitations"] == 0  # nothing left to unlink


@pytest.mark.parametrize(("age", "kept"), [(89, True), (90, False)])
def test_answer_links_and_typed_substitute_addresses_go_90_days_after_the_meeting(
    db_session, rworld, age, kept
):
    meeting = db_session.scalars(
        sa.select(Meeting).where(Meeting.group_id == rworld.group_ids["Mysam Alfa"])
    ).first()
    meeting.starts_at = NOW - dt.timedelta(days=age, hours=2)
    meeting.ends_at = NOW - dt.timedelta(days=age)
    seats = db_session.scalars(sa.select(Invitee).where(Invitee.meeting_id == meeting.id)).all()
    db_session.add(AnswerLink(invitee_id=seats[0].id, nonce="n" * 32, token_hash="h" * 64))
    db_session.add(
        Substitute(meeting_id=meeting.id, invitee_id=seats[1].id, name="Sara Ersättare",
                   email="sara@example.org", agency_id=seats[1].agency_id)
    )  # fmt: skip
    db_session.flush()
    _run()
    db_session.expire_all()
    assert (db_session.scalar(sa.select(sa.func.count()).select_from(AnswerLink)) == 1) is kept
    substitute = db_session.scalars(sa.select(Substitute)).one()
    assert (substitute.email == "sara@example.org") is kept
    assert substitute.name == "Sara Ersättare"  # the attendance keeps who came
