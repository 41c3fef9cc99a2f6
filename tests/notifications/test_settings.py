"""A person switches reminders on and off on their account; the command runs the rules."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.notifications.models import Kind, NotificationOptOut
from portal.notifications.services import settings
from tests.conftest import post
from tests.support.sessions import sign_in

SETTINGS = "/account/notifications"


def test_everything_is_on_until_switched_off(client, mworld, db_session):
    sign_in(client, mworld, "member")
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert page.text.count("checked") == len(Kind)
    assert 'href="/account/notifications"' in client.get("/account").text
    response = post(
        client,
        SETTINGS,
        {"minutes_waiting": "y", "activity_digest": "y", "admin_digest": "y"},
        token_page=SETTINGS,
    )
    assert response.status_code == 302
    member = db_session.get(User, mworld.user_ids["member"])
    assert settings.enabled_kinds(member) == set(Kind) - {Kind.MEETING_REMINDER}
    assert db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "notifications.settings")
    )
    # Saving the same again changes nothing and records nothing more.
    post(
        client,
        SETTINGS,
        {"minutes_waiting": "y", "activity_digest": "y", "admin_digest": "y"},
        token_page=SETTINGS,
    )
    assert (
        db_session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "notifications.settings")
        )
        == 1
    )


def test_settings_are_a_persons_own(client, mworld, db_session):
    sign_in(client, mworld, "member")
    post(client, SETTINGS, {}, token_page=SETTINGS)
    rows = db_session.scalars(sa.select(NotificationOptOut.user_id)).all()
    assert set(rows) == {mworld.user_ids["member"]}
    assert len(rows) == len(Kind)


def test_signed_out_the_settings_ask_for_sign_in(client, mworld):
    assert client.get(SETTINGS).status_code == 302


def test_notify_run_reports_what_it_queued(app, mworld, db_session):
    result = app.test_cli_runner().invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    assert "queued 0, already sent 0" in result.output
