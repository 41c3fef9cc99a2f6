"""Results: counted in SQL, hidden below k or where subtraction would reveal; free text reviewed."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.surveys import results, services
from portal.surveys.disclosure import Hidden, Part, hide
from portal.surveys.models import Answer, RoundTotal, SurveyResponse, SurveyRound, TextReview
from portal.surveys.results import round_results, rounds_results
from tests.conftest import post
from tests.support.sessions import sign_in
from tests.support.surveys import FULL_ANSWERS, links, make_round, submit_as

BASE = FULL_ANSWERS


@pytest.fixture
def closed_round(sworld: Any, db_session: Any) -> Any:
    """Three answers in Mysam Gävle, one in Mysam Ockelbo, k = 3, closed."""
    survey_round = make_round(db_session, sworld, k=3)
    submit_as(db_session, sworld, "member", {**BASE, "F1": "Bra möten"})
    submit_as(
        db_session, sworld, "region_member", {**BASE, "A1": "2", "A2": "dk", "F1": "Nämner Rolf"}
    )
    submit_as(db_session, sworld, "process_leader", {**BASE, "A1": "7"})
    submit_as(db_session, sworld, "both", {**BASE, "A1": "1", "F1": "Från Ockelbo"}, group="other")
    services.close_round(None, survey_round)
    db_session.commit()
    return survey_round


def test_hide_small_primary_and_secondary() -> None:
    def hide_small(bases: dict[str, int], k: int) -> dict[str, Hidden]:
        return hide({key: Part(n, n) for key, n in bases.items()}, k)

    assert hide_small({"a": 5, "b": 4}, 3) == {}
    assert hide_small({"a": 5, "b": 1}, 3) == {"b": Hidden.FEW, "a": Hidden.SECONDARY}
    assert hide_small({"a": 5, "b": 4, "c": 1}, 3) == {"c": Hidden.FEW, "b": Hidden.SECONDARY}
    assert hide_small({"a": 5, "b": 2, "c": 2}, 3) == {"b": Hidden.FEW, "c": Hidden.FEW}
    assert hide_small({"a": 0, "b": 4}, 3) == {"a": Hidden.FEW}  # nothing to subtract
    # Counted in respondents, not answers on the scale: two respondents whose only
    # answers are "don't know" are still two people the total minus "a" would reveal.
    assert hide({"a": Part(5, 5), "b": Part(2, 0)}, 3) == {
        "b": Hidden.FEW,
        "a": Hidden.SECONDARY,
    }


def test_association_figures_counted_in_the_database(closed_round) -> None:
    figures = results.round_results(closed_round)
    assert figures.responses == 4
    a1 = next(r for r in figures.questions if r.question.code == "A1")
    whole = a1.overall
    assert (whole.answers, whole.base, whole.dont_know) == (4, 4, 0)
    assert whole.distribution == {6: 1, 2: 1, 7: 1, 1: 1}
    assert whole.positive == 2
    assert whole.share_positive == 0.5
    assert whole.mean == 4.0
    a2 = next(r for r in figures.questions if r.question.code == "A2")
    assert (a2.overall.answers, a2.overall.base, a2.overall.dont_know) == (4, 3, 1)
    b2 = next(r for r in figures.questions if r.question.code == "B2")
    assert b2.overall.hidden is Hidden.FEW  # all "don't know": no base
    assert b2.overall.answers == 0  # a hidden cell keeps no count


def test_small_groups_show_only_their_count_and_no_subtraction_is_possible(
    closed_round, sworld
) -> None:
    figures = results.round_results(closed_round)
    a1 = next(r for r in figures.questions if r.question.code == "A1")
    small = a1.groups[sworld.other_group_id]
    assert small.hidden is Hidden.FEW
    assert small.answers == 0  # no count at all
    assert small.distribution == {}
    assert small.mean is None
    big = a1.groups[sworld.group_id]
    assert big.hidden is Hidden.SECONDARY  # else: association − Gävle = Ockelbo's answer
    assert big.answers == 0
    assert a1.overall.hidden is None


def test_results_page_for_the_board(client, closed_round, sworld) -> None:
    sign_in(client, sworld, "board")
    page = client.get(f"/a/{sworld.slug}/surveys/{closed_round.id}/results").get_data(as_text=True)
    assert "Mysam Ockelbo" in page
    assert page.count("fewer than 3") + page.count("färre än 3") >= 1
    assert "50 %" in page
    assert "4,0" in page or "4.0" in page
    # Free text waits for review: nothing is shown yet.
    assert "Bra möten" not in page


def test_a_process_leader_sees_the_association_and_only_their_group(
    client, closed_round, sworld
) -> None:
    sign_in(client, sworld, "other_leader")
    page = client.get(f"/a/{sworld.slug}/surveys/{closed_round.id}/results").get_data(as_text=True)
    assert "Mysam Ockelbo" in page
    assert "Mysam Gävle" not in page


def test_free_text_is_reviewed_before_others_read_it(
    client, closed_round, sworld, db_session
) -> None:
    sign_in(client, sworld, "admin")
    review_page = client.get(f"/a/{sworld.slug}/surveys/{closed_round.id}/free-text")
    assert review_page.status_code == 200
    texts = {
        a.text: a for a in db_session.scalars(sa.select(Answer).where(Answer.text.is_not(None)))
    }
    assert set(texts) == {"Bra möten", "Nämner Rolf", "Från Ockelbo"}
    assert all(a.review is TextReview.PENDING for a in texts.values())
    for text, decision in (
        ("Bra möten", "shown"),
        ("Nämner Rolf", "withheld"),
        ("Från Ockelbo", "shown"),
    ):
        answer = texts[text]
        base = f"/a/{sworld.slug}/surveys/{closed_round.id}/free-text"
        url = f"{base}/{answer.response_id}/{answer.question_id}"
        response = post(client, url, {"decision": decision}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "<html" not in response.get_data(as_text=True)
    bad = post(client, url, {"decision": "pending"})
    assert bad.status_code == 302
    db_session.expire_all()
    assert texts["Nämner Rolf"].review is TextReview.WITHHELD
    sign_in(client, sworld, "board")
    page = client.get(f"/a/{sworld.slug}/surveys/{closed_round.id}/results").get_data(as_text=True)
    assert "Bra möten" in page
    assert "Från Ockelbo" in page  # association level
    assert "Nämner Rolf" not in page
    assert page.count("Från Ockelbo") == 1  # never under the small group's own name


def test_review_is_audited(closed_round, sworld, db_session) -> None:
    from portal.core.audit import AuditEvent

    admin = db_session.get(User, sworld.user_ids["admin"])
    answer = db_session.scalar(sa.select(Answer).where(Answer.text.is_not(None)))
    results.review_text(
        admin, closed_round, answer.response_id, answer.question_id, TextReview.SHOWN
    )
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "survey_text.review")
    )
    assert event.after == {"review": "shown"}
    assert event.actor_id == admin.id


def test_no_results_while_the_round_runs(client, sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    sign_in(client, sworld, "admin")
    assert client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}/results").status_code == 404


def test_links_are_unique(sworld, db_session) -> None:
    make_round(db_session, sworld)
    assert len(set(links(db_session).values())) == len(links(db_session))


def test_closing_writes_the_yearly_rollup(closed_round, db_session):
    """The rollup written at closing holds, per scale question, what counting the
    answers gives: every answer, answers on the scale, clearly positive answers."""
    totals = {
        t.question_id: (t.answers, t.base, t.positive)
        for t in db_session.scalars(
            sa.select(RoundTotal).where(RoundTotal.round_id == closed_round.id)
        )
    }
    figures = round_results(closed_round)
    expected = {
        q.question.id: (q.overall.answers, q.overall.base or 0, q.overall.positive or 0)
        for q in figures.questions
        if q.overall.answers
    }
    # Where the whole is shown (k answers on the scale) the cells carry their counts;
    # a hidden one (B2: all "don't know") keeps none, but the rollup still counts it.
    assert {q: t for q, t in totals.items() if q in expected} == expected
    b2 = next(q for q in closed_round.instrument.questions if q.code == "B2")
    assert totals[b2.id] == (4, 0, 0)
    a1 = next(q for q in closed_round.instrument.questions if q.code == "A1")
    assert totals[a1.id] == (4, 4, 2)  # 6 and 7 are at or above positive_from (6)
    text_questions = {q.id for q in closed_round.instrument.questions if not q.is_scale}
    assert not text_questions & set(totals)


def test_results_of_two_rounds_in_two_queries(closed_round, db_session, count_queries):
    db_session.expire_all()
    survey_round = db_session.get(SurveyRound, closed_round.id)
    survey_round.groups  # noqa: B018 - loaded, as the pages have them
    survey_round.instrument  # noqa: B018
    with count_queries() as counter:
        figures = rounds_results([survey_round])
    assert counter.count == 2  # responses per group; questions with their counted answers
    assert [q.question.code for q in figures[survey_round.id].questions]


def test_a_closed_round_takes_no_new_or_changed_answers(closed_round, db_session):
    """What keeps the rollup true: the database refuses to add to a closed round or
    to change a scale point in it; a free text's review decision may still change."""
    group_id = closed_round.groups[0].id
    db_session.add(SurveyResponse(round_id=closed_round.id, group_id=group_id))
    with pytest.raises(sa.exc.DBAPIError, match="answers are final"):
        db_session.flush()
    db_session.rollback()
    in_round = (
        sa.select(Answer).join(SurveyResponse).where(SurveyResponse.round_id == closed_round.id)
    )
    scale = db_session.scalars(in_round.where(Answer.value.is_not(None))).first()
    scale.value = 2 if scale.value == 1 else 1
    with pytest.raises(sa.exc.DBAPIError, match="answers are final"):
        db_session.flush()
    db_session.rollback()
    text = db_session.scalars(in_round.where(Answer.text.is_not(None))).first()
    text.review = TextReview.WITHHELD
    db_session.flush()  # allowed: the review is not counted in the rollup
    db_session.rollback()
    # A new answer to a question the response left open is refused as well.
    response_id = scale.response_id
    answered = db_session.scalars(
        sa.select(Answer.question_id).where(Answer.response_id == response_id)
    ).all()
    open_question = next(q for q in closed_round.instrument.questions if q.id not in answered)
    late = Answer(response_id=response_id, question_id=open_question.id, dont_know=False)
    if open_question.is_scale:
        late.value = 3
    else:
        late.text, late.review = "Sent", TextReview.PENDING
    db_session.add(late)
    with pytest.raises(sa.exc.DBAPIError, match="answers are final"):
        db_session.flush()
    db_session.rollback()
