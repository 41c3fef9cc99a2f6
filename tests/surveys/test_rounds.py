"""Rounds: prepare, open with one invitation per seat, follow, remind, close."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.core.mail import MailStatus, OutboxMessage
from portal.groups.services import today
from portal.organisations.models import Association
from portal.surveys import answering, schedule, services
from portal.surveys.models import Draft, Invitation, RoundStatus, SurveyRound
from tests.conftest import post
from tests.surveys.conftest import FULL_ANSWERS, all_links, links, make_round, sign_in


def invitations(db_session: Any, survey_round: SurveyRound) -> list[Invitation]:
    return list(
        db_session.scalars(sa.select(Invitation).where(Invitation.round_id == survey_round.id))
    )


def test_opening_invites_each_current_member_of_each_group(sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    rows = invitations(db_session, survey_round)
    seats = sorted((i.group_id, i.membership.user_id) for i in rows)
    ids = sworld.user_ids
    expected = sorted(
        [(sworld.group_id, ids[r]) for r in ("process_leader", "member", "region_member", "both")]
        + [(sworld.other_group_id, ids[r]) for r in ("both", "other_leader")]
    )
    assert seats == expected  # the former member is not invited; "both" twice, once per group
    mails = all_links(db_session)
    assert len(mails) == 6
    assert sorted(r for r, _ in mails).count(sworld.emails["both"]) == 2
    assert len({path for _, path in mails}) == 6  # personal links
    message = db_session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == sworld.emails["member"])
    )
    assert "Mysam Gävle" in message.subject
    assert "anonym" in message.body_text.lower() or "anonymous" in message.body_text.lower()
    assert survey_round.status is RoundStatus.OPEN


def test_the_database_keeps_only_a_hash_of_the_link(sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    path = links(db_session)[sworld.emails["member"]]
    token = path.rsplit("/", 1)[1]
    for invitation in invitations(db_session, survey_round):
        assert token not in (invitation.token_hash, invitation.token_salt)
    assert answering.find(token) is not None


def test_k_defaults_to_the_association_setting(client, sworld, db_session) -> None:
    association = db_session.get(Association, sworld.association_id)
    association.min_survey_answers = 4
    db_session.commit()
    sign_in(client, sworld, "admin")
    page = client.get(f"/a/{sworld.slug}/surveys/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="min_answers"[^>]*value="4"', page)


def test_admin_creates_and_opens_a_round_through_the_pages(client, sworld, db_session) -> None:
    sign_in(client, sworld, "admin")
    day = today()
    response = post(
        client,
        f"/a/{sworld.slug}/surveys/new",
        {
            "year": str(day.year),
            "instrument_id": str(sworld.instrument_id),
            "group_ids": [str(sworld.group_id)],
            "opens_on": day.isoformat(),
            "closes_on": min(day + dt.timedelta(days=20), dt.date(day.year, 12, 31)).isoformat(),
            "min_answers": "3",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey_round = db_session.scalar(sa.select(SurveyRound))
    assert survey_round.is_draft
    assert links(db_session) == {}  # nothing is sent until it opens
    opened = post(client, f"/a/{sworld.slug}/surveys/{survey_round.id}/open")
    assert opened.status_code == 302
    db_session.expire_all()
    assert db_session.get(SurveyRound, survey_round.id).is_open
    assert len(links(db_session)) == 4
    actions = db_session.scalars(sa.select(AuditEvent.action)).all()
    assert {"survey_round.create", "survey_round.open"} <= set(actions)


def test_a_round_opens_and_closes_in_its_own_year(client, sworld, db_session) -> None:
    admin = db_session.get(User, sworld.user_ids["admin"])
    association = db_session.get(Association, sworld.association_id)

    def data(year: int, opens: dt.date, closes: dt.date) -> services.RoundData:
        return services.RoundData(year, sworld.instrument_id, [sworld.group_id], opens, closes, 3)

    with pytest.raises(DomainError, match="öppnar och stänger 2027") as refused:
        services.create_round(
            admin, association, data(2027, dt.date(2026, 12, 6), dt.date(2027, 1, 3))
        )
    assert refused.value.field == "opens_on"
    with pytest.raises(DomainError, match="stängningsdag mellan 2026-01-01 och 2026-12-31"):
        services.create_round(
            admin, association, data(2026, dt.date(2026, 12, 6), dt.date(2027, 1, 3))
        )
    draft = services.create_round(
        admin, association, data(2026, dt.date(2026, 12, 6), dt.date(2026, 12, 31))
    )
    with pytest.raises(DomainError, match="2026"):  # an edit is held to the same rule
        services.update_round(
            admin,
            association,
            draft,
            data(2026, dt.date(2025, 9, 1), dt.date(2026, 1, 9)),
            draft.lock_version,
        )
    # Over the form: refused with the reason next to the field, and nothing typed is lost.
    sign_in(client, sworld, "admin")
    form = {
        "year": "2027", "instrument_id": str(sworld.instrument_id),
        "group_ids": [str(sworld.group_id)], "opens_on": "2026-12-06",
        "closes_on": "2027-01-03", "min_answers": "3",
    }  # fmt: skip
    response = post(client, f"/a/{sworld.slug}/surveys/new", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="[a-z-]*opens_on-error"[^>]*>En omgång för 2027 öppnar', page)
    assert 'value="2026-12-06"' in page
    assert 'value="2027-01-03"' in page


@pytest.mark.parametrize(
    ("taken", "day", "expected"),
    [
        ((), dt.date(2026, 3, 1), (2026, dt.date(2026, 8, 15), dt.date(2026, 9, 30))),
        ((), dt.date(2026, 8, 20), (2026, dt.date(2026, 8, 20), dt.date(2026, 9, 30))),
        ((), dt.date(2026, 12, 6), (2026, dt.date(2026, 12, 6), dt.date(2026, 12, 31))),
        ((2026,), dt.date(2026, 12, 6), (2027, dt.date(2027, 8, 15), dt.date(2027, 9, 30))),
        (
            (2025, 2026, 2027),
            dt.date(2026, 1, 2),
            (2028, dt.date(2028, 8, 15), dt.date(2028, 9, 30)),
        ),
    ],
)
def test_a_new_round_suggests_a_free_year_and_dates_within_it(taken, day, expected) -> None:
    suggestion = schedule.suggest(taken, day)
    assert suggestion == expected
    schedule.check_dates(*suggestion)  # what is suggested is accepted


def test_the_new_round_form_offers_the_first_year_without_a_round(client, sworld, db_session):
    make_round(db_session, sworld, year=today().year, open_it=False)
    sign_in(client, sworld, "admin")
    page = client.get(f"/a/{sworld.slug}/surveys/new").get_data(as_text=True)
    year = today().year + 1
    assert re.search(rf'<input[^>]*name="year"[^>]*value="{year}"', page)
    assert re.search(rf'<input[^>]*name="opens_on"[^>]*value="{year}-08-15"', page)
    assert f"År som redan har en omgång: {today().year}." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("closes_on", "2025-01-01", "close on or after"),
        ("group_ids", None, "at least one group"),
        ("min_answers", "0", ""),
        ("year", "tjugo", ""),
    ],
)
def test_bad_round_settings_are_refused(client, sworld, db_session, field, value, message) -> None:
    sign_in(client, sworld, "admin")
    data = {
        "year": "2026",
        "instrument_id": str(sworld.instrument_id),
        "group_ids": [str(sworld.group_id)],
        "opens_on": "2026-08-15",
        "closes_on": "2026-09-30",
        "min_answers": "3",
    }
    if value is None:
        del data[field]
    else:
        data[field] = value
    response = post(client, f"/a/{sworld.slug}/surveys/new", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    if message:
        assert message in page or "Rätta" in page
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyRound)) == 0


def test_one_round_per_year_and_respondent_group(sworld, db_session) -> None:
    make_round(db_session, sworld, open_it=False)
    with pytest.raises(DomainError, match="redan en enkätomgång för den här svarsgruppen"):
        make_round(db_session, sworld, open_it=False)


def test_a_round_asks_one_respondent_group_with_that_groups_instrument(sworld, db_session) -> None:
    """Another respondent group may have its round the same year, but only with an
    instrument version made for that group; the managers' version is refused."""
    from portal.organisations.models import Association
    from portal.surveys.models import Instrument, RespondentGroup, RespondentSource

    managers = make_round(db_session, sworld, open_it=False)
    assert managers.respondent_group == RespondentGroup.MANAGERS
    assert managers.source == RespondentSource.MEMBERS
    association = db_session.get(Association, sworld.association_id)
    admin = db_session.get(User, sworld.user_ids["admin"])
    data = services.RoundData(
        year=managers.year,
        instrument_id=sworld.instrument_id,
        group_ids=[sworld.group_id],
        opens_on=managers.opens_on,
        closes_on=managers.closes_on,
        min_answers=3,
        respondent_group=RespondentGroup.BOARD,
    )
    with pytest.raises(DomainError, match="instrumentversion för omgångens svarsgrupp"):
        services.create_round(admin, association, data)
    board_version = Instrument(
        code="board-example",
        version="1",
        title="Board",
        definition={},
        respondent_group=RespondentGroup.BOARD,
    )
    db_session.add(board_version)
    db_session.flush()
    board = services.create_round(
        admin, association, dataclasses.replace(data, instrument_id=board_version.id)
    )
    assert board.source == RespondentSource.BOARD
    assert board.year == managers.year


def test_opening_outside_the_dates_or_twice_is_refused(sworld, db_session) -> None:
    later = today() + dt.timedelta(days=3)
    survey_round = make_round(
        db_session, sworld, open_it=False, opens_on=later, closes_on=later + dt.timedelta(days=9)
    )
    with pytest.raises(DomainError, match="från startdagen"):
        services.open_round(None, survey_round)
    opened = make_round(db_session, sworld, year=2027)
    with pytest.raises(DomainError, match="redan öppnats"):
        services.open_round(None, opened)


def test_settings_cannot_change_after_opening(sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    admin = db_session.get(User, sworld.user_ids["admin"])
    association = db_session.get(Association, sworld.association_id)
    data = services.RoundData(
        year=2026, instrument_id=sworld.instrument_id, group_ids=[sworld.group_id],
        opens_on=survey_round.opens_on, closes_on=survey_round.closes_on, min_answers=5,
    )  # fmt: skip
    with pytest.raises(DomainError, match="kan inte längre ändras"):
        services.update_round(admin, association, survey_round, data, survey_round.lock_version)


@pytest.mark.parametrize(
    "values",
    [{"min_answers": 1}, {"status": "draft"}, {"year": 2030}],
    ids=["k", "back to draft", "year"],
)
def test_the_database_freezes_an_opened_rounds_anonymity(sworld, db_session, values) -> None:
    survey_round = make_round(db_session, sworld)
    savepoint = db_session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="cannot change once it has opened"):
        db_session.execute(
            sa.update(SurveyRound).where(SurveyRound.id == survey_round.id).values(**values)
        )
    savepoint.rollback()


def test_a_group_cannot_be_added_to_an_opened_round(sworld, db_session, f) -> None:
    from portal.groups.models import Group
    from portal.surveys.models import round_groups

    survey_round = make_round(db_session, sworld, group_ids=[sworld.group_id])
    savepoint = db_session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="cannot change once it has opened"):
        db_session.execute(
            sa.insert(round_groups).values(round_id=survey_round.id, group_id=sworld.other_group_id)
        )
    savepoint.rollback()
    assert db_session.get(Group, sworld.other_group_id) is not None


def test_response_rates_per_group_never_per_kind(sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    token = links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1]
    answering.submit(answering.find(token), FULL_ANSWERS)
    db_session.commit()
    rates = services.response_rates(survey_round)
    by_group = {r.group_id: (r.invited, r.answered) for r in rates.groups}
    assert by_group == {sworld.group_id: (4, 1), sworld.other_group_id: (2, 0)}
    assert not hasattr(rates, "kinds")
    assert (rates.total.invited, rates.total.answered, rates.total.percent) == (6, 1, 17)


def test_reminders_go_to_those_who_have_not_answered(sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    token = links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1]
    answering.submit(answering.find(token), FULL_ANSWERS)
    assert services.send_reminders(None, survey_round, dt.timedelta(days=1)) == 0  # too soon
    sent = services.send_reminders(None, survey_round, dt.timedelta(0))
    assert sent == 5
    reminders = db_session.scalars(
        sa.select(OutboxMessage.recipient).where(
            OutboxMessage.subject.contains("2026"),
            OutboxMessage.body_text.contains("not yet")
            | OutboxMessage.body_text.contains("ännu inte"),
        )
    ).all()
    assert sworld.emails["member"] not in reminders
    assert len(reminders) == 5
    # The reminder carries the same personal link as the invitation.
    mails = all_links(db_session)
    leader = [p for r, p in mails if r == sworld.emails["process_leader"]]
    assert len(leader) == 2
    assert leader[0] == leader[1]


def test_a_process_leader_reminds_only_their_group(client, sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    db_session.execute(
        sa.update(Invitation).values(invited_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    )
    db_session.commit()
    sign_in(client, sworld, "process_leader")
    response = post(client, f"/a/{sworld.slug}/surveys/{survey_round.id}/remind")
    assert response.status_code == 302
    reminded = db_session.scalars(
        sa.select(Invitation.group_id).where(Invitation.reminders > 0)
    ).all()
    assert set(reminded) == {sworld.group_id}


def test_cli_send_reminders(app, sworld, db_session) -> None:
    make_round(db_session, sworld)
    db_session.execute(
        sa.update(Invitation).values(invited_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    )
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["survey", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminders queued: 6" in result.output
    again = app.test_cli_runner().invoke(args=["survey", "send-reminders"])
    assert "reminders queued: 0" in again.output


def test_close_by_hand_deletes_drafts_and_stops_answers(sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    token = links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1]
    access = answering.find(token)
    answering.save_draft(access, {"A1": "5"})
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 1
    services.close_round(None, survey_round)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
    assert answering.state(answering.find(token)) is answering.LinkState.UNUSABLE
    with pytest.raises(DomainError, match="stängt"):
        answering.submit(answering.find(token), FULL_ANSWERS)
    # Read before the close, submitted after it: the database refuses the response.
    with pytest.raises(answering.ClosedMeanwhileError), db_session.begin_nested():
        answering.submit(access, FULL_ANSWERS)
    with pytest.raises(DomainError, match="Bara en öppen"):
        services.close_round(None, survey_round)


def test_cli_close_due_closes_past_rounds_and_scrubs_links(app, sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    still_open = make_round(db_session, sworld, year=2027)
    db_session.execute(
        sa.update(SurveyRound)
        .where(SurveyRound.id == survey_round.id)
        .values(closes_on=today() - dt.timedelta(days=1))
    )
    db_session.execute(sa.update(OutboxMessage).values(status=MailStatus.SENT))
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["survey", "close-due"])
    assert result.exit_code == 0, result.output
    assert "rounds closed: 1" in result.output
    db_session.expire_all()
    assert db_session.get(SurveyRound, survey_round.id).is_closed
    assert db_session.get(SurveyRound, still_open.id).is_open
    # The outbox never held a link (a marker, rendered as the mail is sent); the
    # closed round's can no longer even be rendered: its keys are gone.
    assert not any("/survey/" in m.body_text for m in db_session.scalars(sa.select(OutboxMessage)))
    rendered = links(db_session)
    assert rendered
    assert all(
        answering.find(p.rsplit("/", 1)[1]).round.id == still_open.id for p in rendered.values()
    )
    close = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "survey_round.close")
    )
    assert close.actor_id is None
