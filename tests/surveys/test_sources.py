"""Respondents beyond the Mysam groups (issue 22): the association's board, and a list
the admin uploads, kept only until the round closes. Both rounds are association level:
their invitations and responses have no group."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.mail import OutboxMessage
from portal.extensions import db
from portal.groups.services import today
from portal.organisations.models import Association, AssociationRole, AssociationRoleName
from portal.surveys import answering, services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import (
    Instrument,
    Invitation,
    ListEntry,
    RespondentGroup,
    SurveyResponse,
    SurveyRound,
)
from portal.surveys.services import lists
from tests.conftest import post
from tests.support.sessions import sign_in
from tests.support.surveys import FULL_ANSWERS, SurveyWorld, demo_text, links

STAFF_LIST = (
    "Sara Stab;sara.stab@example.org\nPer Personal;per@example.org\nIda Insats;ida@example.org\n"
)


def group_instrument(db_session: Any, group: RespondentGroup) -> Instrument:
    """The demo questions as an instrument version for ``group`` (an example)."""
    parsed = parse_instrument(demo_text())
    parsed = dataclasses.replace(parsed, code=f"demo-{group.value}")
    instrument, _ = services.import_instrument(None, parsed)
    instrument.respondent_group = group
    db_session.flush()
    return instrument


def association_round(
    db_session: Any,
    world: SurveyWorld,
    group: RespondentGroup,
    *,
    year: int | None = None,
    respondents: str | None = None,
    open_it: bool = True,
) -> SurveyRound:
    """A board or list round of this year (opened unless told otherwise), committed."""
    association = db_session.get(Association, world.association_id)
    admin = db_session.get(User, world.user_ids["admin"])
    day = today()
    instrument = db_session.scalar(
        sa.select(Instrument).where(Instrument.respondent_group == group)
    ) or group_instrument(db_session, group)
    survey_round = services.create_round(
        admin,
        association,
        services.RoundData(
            year=year or day.year,
            instrument_id=instrument.id,
            group_ids=[],
            opens_on=day - dt.timedelta(days=1) if day.day > 1 or day.month > 1 else day,
            closes_on=min(day + dt.timedelta(days=14), dt.date(day.year, 12, 31)),
            min_answers=2,
            respondent_group=group,
        ),
    )
    if respondents is not None:
        lists.upload_list(admin, survey_round, respondents, survey_round.lock_version)
    if open_it:
        services.open_round(admin, survey_round)
    db_session.commit()
    return survey_round


def test_a_board_round_invites_the_current_board_only(sworld, db_session, f) -> None:
    association = db_session.get(Association, sworld.association_id)
    former = f.board(association, name="Fanny Förre ledamot")
    second = f.board(association, name="Sture Styrelse")
    db_session.execute(
        sa.delete(AssociationRole).where(
            AssociationRole.user_id == former.id, AssociationRole.role == AssociationRoleName.BOARD
        )
    )
    other = db_session.scalar(sa.select(Association).where(Association.id != sworld.association_id))
    f.board(other, name="Annan Styrelse")  # another association's board: not asked
    db_session.commit()
    survey_round = association_round(db_session, sworld, RespondentGroup.BOARD)
    invited = db_session.scalars(
        sa.select(Invitation).where(Invitation.round_id == survey_round.id)
    ).all()
    assert {i.user_id for i in invited} == {sworld.user_ids["board"], second.id}
    assert all(i.group_id is None and i.membership_id is None for i in invited)
    assert set(links(db_session)) == {sworld.emails["board"], second.email}
    assert former.email not in {m.recipient for m in db_session.scalars(sa.select(OutboxMessage))}


def test_a_board_round_without_a_board_is_refused(sworld, db_session) -> None:
    db_session.execute(
        sa.delete(AssociationRole).where(AssociationRole.role == AssociationRoleName.BOARD)
    )
    db_session.commit()
    with pytest.raises(DomainError, match="styrelse"):
        association_round(db_session, sworld, RespondentGroup.BOARD)


def test_board_answers_become_association_level_responses(sworld, db_session) -> None:
    survey_round = association_round(db_session, sworld, RespondentGroup.BOARD)
    token = links(db_session)[sworld.emails["board"]].rsplit("/", 1)[1]
    access = answering.find(token)
    assert access is not None
    assert access.invitation.group_id is None
    assert access.group_name == db_session.get(Association, sworld.association_id).name
    answering.submit(access, FULL_ANSWERS)
    db_session.commit()
    services.close_round(None, survey_round)
    db_session.commit()
    responses = db_session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.round_id == survey_round.id)
    ).all()
    assert len(responses) == 1
    assert responses[0].group_id is None
    assert {a.question.code for a in responses[0].answers} == set(FULL_ANSWERS)


def test_the_board_member_sees_the_survey_on_the_start_page_and_can_get_the_link_again(
    client, sworld, db_session
) -> None:
    from portal.accounts.models import User as Account
    from portal.surveys.needs import resend_link, survey_needs

    survey_round = association_round(db_session, sworld, RespondentGroup.BOARD)
    board = db_session.get(Account, sworld.user_ids["board"])
    from portal.core.permissions import principal

    needs = survey_needs(board, principal=principal(board), today=today())
    assert [n.kind for n in needs if n.kind == "survey_to_answer"] == ["survey_to_answer"]
    invitation = db_session.scalar(
        sa.select(Invitation).where(
            Invitation.round_id == survey_round.id, Invitation.user_id == board.id
        )
    )
    member = db_session.get(Account, sworld.user_ids["member"])
    assert resend_link(member, invitation.id) is None  # not theirs


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("", ["The list is empty."]),
        (
            "Anna;anna@example.org\nBertil\n;c@example.org\nDavid;not-an-address\nEva;ANNA@example.org\n",
            [
                "Line 2: give a name and an e-mail address",
                "Line 3: the name is missing.",
                "Line 4: “not-an-address” is not a valid e-mail address.",
                "Line 5: ANNA@example.org is already on line 1.",
            ],
        ),
        ("Namn;Telefon\nAnna\n", ["Line 1: “Telefon” is not", "Line 2: give a name and"]),
        ("E-post;Telefon\nanna@example.org;070\n", ["Line 1: the header has no name column."]),
        ("namn;e-post\n", ["The list has a header but no respondents."]),
    ],
)
def test_list_errors_name_their_lines(app, text, messages) -> None:
    from flask_babel import force_locale

    with force_locale("en"), pytest.raises(lists.ListError) as refused:
        lists.parse_list(text)
    joined = " ".join(refused.value.problems)
    for message in messages:
        assert message in joined


def test_a_list_may_be_csv_with_a_header_in_any_column_order(app) -> None:
    read = lists.parse_list(
        'e-post,telefon,namn\r\nanna@example.org,070,Anna A\n\n"bo@example.org",071,"Bo, B"\n'
    )
    assert [(r.line, r.name, r.email) for r in read] == [
        (2, "Anna A", "anna@example.org"),
        (4, "Bo, B", "bo@example.org"),
    ]


def test_the_list_page_keeps_what_was_typed_and_names_the_lines(client, sworld, db_session) -> None:
    survey_round = association_round(db_session, sworld, RespondentGroup.STAFF, open_it=False)
    sign_in(client, sworld, "admin")
    path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    typed = "Anna;anna@example.org\nBo;bo@example\nAnna igen;anna@example.org"
    version = survey_round.lock_version  # each upload counts it on
    refused = post(client, path, {"respondents": typed, "lock_version": version})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Rad 2" in page
    assert "Rad 3" in page
    assert "Anna igen;anna@example.org" in page  # kept to correct
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ListEntry)) == 0
    saved = post(client, path, {"respondents": STAFF_LIST, "lock_version": version})
    assert saved.status_code == 302
    assert lists.list_size(db_session.get(SurveyRound, survey_round.id)) == 3
    replacing = {"respondents": "Ny Person;ny@example.org", "lock_version": version + 1}
    again = post(client, path, replacing)
    assert again.status_code == 302
    assert lists.list_size(db_session.get(SurveyRound, survey_round.id)) == 1


def test_the_list_page_is_the_admins_of_that_association_only(client, sworld, db_session) -> None:
    survey_round = association_round(
        db_session, sworld, RespondentGroup.STAFF, respondents=STAFF_LIST, open_it=False
    )
    path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    for role in ("other_admin", "member", "board", "process_leader"):
        sign_in(client, sworld, role)
        assert client.get(path).status_code in (403, 404), role
        sent = {"respondents": "X;x@example.org", "lock_version": survey_round.lock_version}
        assert post(client, path, sent).status_code in (403, 404)
    sign_in(client, sworld, "other_admin")
    other = db_session.scalar(sa.select(Association).where(Association.id != sworld.association_id))
    assert client.get(f"/a/{other.slug}/surveys/{survey_round.id}/list").status_code == 404
    assert lists.list_size(db_session.get(SurveyRound, survey_round.id)) == 3


def test_a_members_round_has_no_list_page(client, sworld, db_session) -> None:
    from tests.support.surveys import make_round

    survey_round = make_round(db_session, sworld, open_it=False)
    sign_in(client, sworld, "admin")
    assert client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}/list").status_code == 404


def _text_columns() -> list[tuple[str, str]]:
    out = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text, sa.JSON)):
                out.append((table.name, column.name))
    return out


def _mentions(db_session: Any, needle: str) -> list[str]:
    found = []
    for table, column in _text_columns():
        col = sa.column(column)
        count = db_session.scalar(
            sa.select(sa.func.count())
            .select_from(sa.table(table, col))
            .where(sa.cast(col, sa.Text).ilike(f"%{needle}%"))
        )
        if count:
            found.append(f"{table}.{column}")
    return found


def test_an_uploaded_list_is_gone_after_close(sworld, db_session) -> None:
    survey_round = association_round(
        db_session, sworld, RespondentGroup.STAFF, respondents=STAFF_LIST
    )
    sent = links(db_session)
    assert set(sent) == {"sara.stab@example.org", "per@example.org", "ida@example.org"}
    access = answering.find(sent["per@example.org"].rsplit("/", 1)[1])
    answering.submit(access, FULL_ANSWERS)
    db_session.commit()
    salts = set(
        db_session.scalars(
            sa.select(Invitation.token_salt).where(Invitation.round_id == survey_round.id)
        )
    )
    assert _mentions(db_session, "sara.stab@example.org")  # the scan finds it while open
    services.close_round(None, survey_round)
    db_session.commit()
    for needle in ("sara.stab", "per@example.org", "ida@example.org", "Sara Stab", "Ida Insats"):
        assert _mentions(db_session, needle) == [], needle
    invited = db_session.scalars(
        sa.select(Invitation).where(Invitation.round_id == survey_round.id)
    ).all()
    assert len(invited) == 3
    assert sum(i.answered for i in invited) == 1
    assert all(i.entry_id is None for i in invited)
    assert not salts & {i.token_salt for i in invited}  # no logged link matches any more
    rates = services.response_rates(survey_round)
    assert (rates.total.invited, rates.total.answered) == (3, 1)


def test_the_list_cannot_change_once_open(sworld, db_session) -> None:
    survey_round = association_round(
        db_session, sworld, RespondentGroup.STAFF, respondents=STAFF_LIST
    )
    admin = db_session.get(User, sworld.user_ids["admin"])
    with pytest.raises(DomainError):
        lists.upload_list(admin, survey_round, "Ny;ny@example.org", survey_round.lock_version)


def test_a_list_round_without_a_list_does_not_open(sworld, db_session) -> None:
    with pytest.raises(DomainError, match="listan"):
        association_round(db_session, sworld, RespondentGroup.STAFF)


def test_the_round_form_asks_the_respondent_group_first(client, sworld, db_session) -> None:
    board_version = group_instrument(db_session, RespondentGroup.BOARD)
    db_session.commit()
    sign_in(client, sworld, "admin")
    page = client.get(f"/a/{sworld.slug}/surveys/new?respondent_group=board").get_data(as_text=True)
    assert f'<option value="{board_version.id}"' in page
    assert f'<option value="{sworld.instrument_id}"' not in page  # the managers' version
    day = today()
    shown = post(
        client,
        f"/a/{sworld.slug}/surveys/new",
        {"respondent_group": "board", "year": str(day.year), "show_instruments": "1"},
    )
    assert shown.status_code == 200
    assert f'<option value="{board_version.id}"' in shown.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyRound)) == 0
    saved = post(
        client,
        f"/a/{sworld.slug}/surveys/new",
        {
            "respondent_group": "board",
            "year": str(day.year),
            "instrument_id": str(board_version.id),
            "opens_on": day.isoformat(),
            "closes_on": min(day + dt.timedelta(days=20), dt.date(day.year, 12, 31)).isoformat(),
            "min_answers": "3",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    survey_round = db_session.scalar(sa.select(SurveyRound))
    assert survey_round.respondent_group == RespondentGroup.BOARD
    assert survey_round.groups == []


def test_a_board_rounds_results_are_the_association_s_only(client, sworld, db_session, f) -> None:
    """k = 2: two of three board members answer, so the association's cell shows; the
    page has no group table and no group cells, and the board reads it."""
    association = db_session.get(Association, sworld.association_id)
    extra = [f.board(association, name=f"Ledamot {n}") for n in (1, 2)]
    db_session.commit()
    survey_round = association_round(db_session, sworld, RespondentGroup.BOARD)
    sent = links(db_session)
    for user in extra:
        answering.submit(answering.find(sent[user.email].rsplit("/", 1)[1]), FULL_ANSWERS)
    db_session.commit()
    services.close_round(None, survey_round)
    db_session.commit()
    sign_in(client, sworld, "board")
    page = client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Svarsgrupp: Styrelseledamöter." in html
    assert "Svar per grupp" not in html
    # k = 2 answers stand behind every figure but B2's, which both answered "don't know"
    assert html.count("Visas inte") == 1
    sign_in(client, sworld, "process_leader")  # leads a group, not in this round
    assert client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}/results").status_code == 404


def test_one_board_answer_below_k_shows_no_figure(client, sworld, db_session) -> None:
    survey_round = association_round(db_session, sworld, RespondentGroup.BOARD)
    sent = links(db_session)
    answering.submit(
        answering.find(sent[sworld.emails["board"]].rsplit("/", 1)[1]),
        {**FULL_ANSWERS, "F1": "Min egen text"},
    )
    db_session.commit()
    services.close_round(None, survey_round)
    db_session.commit()
    from portal.surveys import results

    figures = results.round_results(db_session.get(SurveyRound, survey_round.id))
    assert figures.responses == 1
    assert all(q.overall.hidden is not None for q in figures.questions)
    assert not figures.decision.texts
    sign_in(client, sworld, "admin")
    html = client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}/results").get_data(as_text=True)
    assert "Min egen text" not in html
    assert "Visas inte: färre än 2 svar på skalan." in html


def test_a_list_goes_when_the_round_stops_asking_a_list(sworld, db_session) -> None:
    survey_round = association_round(
        db_session, sworld, RespondentGroup.STAFF, respondents=STAFF_LIST, open_it=False
    )
    board_version = group_instrument(db_session, RespondentGroup.BOARD)
    admin = db_session.get(User, sworld.user_ids["admin"])
    association = db_session.get(Association, sworld.association_id)
    services.update_round(
        admin,
        association,
        survey_round,
        services.RoundData(
            year=survey_round.year,
            instrument_id=board_version.id,
            group_ids=[],
            opens_on=survey_round.opens_on,
            closes_on=survey_round.closes_on,
            min_answers=2,
            respondent_group=RespondentGroup.BOARD,
        ),
        survey_round.lock_version,
    )
    db_session.commit()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ListEntry)) == 0


def test_the_retention_rule_unlinks_board_members_too(sworld, db_session) -> None:
    from portal.privacy.services import retention

    survey_round = association_round(db_session, sworld, RespondentGroup.BOARD)
    services.close_round(None, survey_round)
    db_session.commit()
    hashes = set(
        db_session.scalars(
            sa.select(Invitation.token_hash).where(Invitation.round_id == survey_round.id)
        )
    )
    later = survey_round.closed_at + dt.timedelta(days=400)
    found = {f.category: f.items for f in retention.run(later, dry_run=False)}
    assert len(found["survey_invitations"]) == len(hashes)
    db_session.expire_all()
    rows = db_session.scalars(
        sa.select(Invitation).where(Invitation.round_id == survey_round.id)
    ).all()
    assert all(row.user_id is None for row in rows)
    assert not hashes & {row.token_hash for row in rows}
