"""Answering from the link: no account, drafts, review, submit once, receipt."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.surveys import services
from portal.surveys.models import Answer, Ballot, Draft, SurveyResponse, SurveyRound
from tests.conftest import CSRF_RE
from tests.support.sessions import sign_in
from tests.support.surveys import FULL_ANSWERS, SLOT_RE, enter, links, make_round, review_form


def form_data(answers: dict[str, str], db_session: Any, world: Any) -> dict[str, str]:
    """Answers by question code → the form's field names (q<position>)."""
    from portal.surveys.models import Instrument

    instrument = db_session.get(Instrument, world.instrument_id)
    by_code = {q.code: f"q{q.position}" for q in instrument.questions}
    return {by_code[code]: value for code, value in answers.items()}


def csrf(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, page[:500]
    return match.group(1) or match.group(2)


@pytest.fixture
def link(client: Any, sworld: Any, db_session: Any) -> str:
    """The member's pages, after opening the link from the mail (``enter``)."""
    make_round(db_session, sworld)
    return enter(client, links(db_session)[sworld.emails["member"]])


def save(client: Any, link: str, data: dict[str, str], button: str = "save", **kw: Any) -> Any:
    payload = {**data, "csrf_token": csrf(client, link + "/answers"), button: "1"}
    return client.post(link + "/answers", data=payload, **kw)


def count(db_session: Any, model: Any) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def close_open_rounds(db_session: Any) -> None:
    """Close every open round: its ballots become responses."""
    for survey_round in db_session.scalars(
        sa.select(SurveyRound).where(SurveyRound.status == "open")
    ):
        services.close_round(None, survey_round)
    db_session.flush()


def stored_answers(db_session: Any) -> dict[str, Any]:
    """Recorded answers by question code: the scale point, "dk", or the text (as the
    round's close writes them from the sealed ballot)."""
    from portal.surveys.models import Question

    close_open_rounds(db_session)
    rows = db_session.execute(
        sa.select(Question.code, Answer.value, Answer.dont_know, Answer.text).join(
            Answer, Answer.question_id == Question.id
        )
    )
    return {code: "dk" if dk else text or str(value) for code, value, dk, text in rows}


def test_the_opening_page_needs_no_account_and_says_what_is_stored(client, link) -> None:
    response = client.get(link)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mysam Gävle" in page
    assert "sparas" in page or "stored" in page
    assert "inte det officiella" in page  # the example instrument says so
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_questions_are_grouped_by_indicator_in_fieldsets(client, link) -> None:
    page = client.get(link + "/answers").get_data(as_text=True)
    assert page.count("<fieldset") == 7
    assert page.count("<legend>") == 7
    assert page.count('type="radio"') == 7 * 8
    assert page.count('<h2 id="indicator-') == 4
    assert '<label for="q1-0">1 – Inte alls</label>' in page
    assert '<label for="q1-7">Vet ej / ej aktuellt</label>' in page
    assert page.count("<textarea") == 2


def test_save_without_javascript_and_resume_from_the_link(client, link, sworld, db_session) -> None:
    data = form_data({"A1": "6", "F1": "Bra möten"}, db_session, sworld)
    response = save(client, link, data)
    assert response.status_code == 302
    assert count(db_session, Draft) == 1
    draft = db_session.scalar(sa.select(Draft))
    assert b"Bra m" not in draft.ciphertext
    fresh = client.application.test_client()  # another browser: only the link is shared
    assert fresh.get(link + "/answers").status_code == 404  # the slot alone opens nothing
    link = enter(fresh, links(db_session)[sworld.emails["member"]])
    page = fresh.get(link + "/answers").get_data(as_text=True)
    assert 'checked id="q1-5" name="q1" type="radio" value="6"' in page or (
        'value="6" checked' in page or "checked" in page.split('id="q1-5"')[0][-200:]
    )
    assert "Bra möten" in page
    assert "Fortsätt" in fresh.get(link).get_data(as_text=True) or "Continue" in fresh.get(
        link
    ).get_data(as_text=True)


def test_the_link_is_exchanged_for_a_strict_cookie_scoped_to_a_random_slot(
    client, sworld, db_session
) -> None:
    """The token is in the link's address only: its page sets a short-lived cookie that
    scripts cannot read, no other site's request carries, and only the slot's pages
    receive; each opening gets a new slot, and a slot opens nothing without its own
    cookie."""
    make_round(db_session, sworld)
    mail_link = links(db_session)[sworld.emails["member"]]
    token = mail_link.rsplit("/", 1)[1]
    response = client.get(mail_link)
    cookie = response.headers["Set-Cookie"]
    match = SLOT_RE.search(response.get_data(as_text=True))
    assert match
    slot = match[1]
    assert token not in slot
    assert f"Path={slot};" in cookie or cookie.endswith(f"Path={slot}")
    for attribute in ("HttpOnly", "SameSite=Strict", "Max-Age=43200"):
        assert attribute in cookie
    assert token not in client.get(slot + "/answers").get_data(as_text=True)
    assert enter(client, mail_link) != slot  # a new slot for every opening
    stranger = client.application.test_client()
    assert stranger.get(slot + "/answers").status_code == 404
    other = enter(stranger, links(db_session)[sworld.emails["region_member"]])
    assert stranger.get(slot + "/answers").status_code == 404  # another slot's cookie
    assert stranger.get(other + "/answers").status_code == 200
    assert client.get(mail_link + "/answers").status_code == 404  # no page below the link


def test_htmx_autosave(client, link, sworld, db_session) -> None:
    data = form_data({"A1": "3"}, db_session, sworld)
    payload = {**data, "csrf_token": csrf(client, link + "/answers")}
    response = client.post(link + "/autosave", data=payload, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert count(db_session, Draft) == 1


def test_an_answer_outside_the_scale_is_refused_and_nothing_is_lost(
    client, link, sworld, db_session
) -> None:
    save(client, link, form_data({"A1": "6"}, db_session, sworld))
    data = form_data({"A1": "9", "A2": "5", "F1": "Viktigt"}, db_session, sworld)
    response = save(client, link, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert 'href="#q1-0"' in page
    assert "Viktigt" in page  # what was typed is still on the page
    from portal.surveys import answering

    token = links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1]
    assert answering.load_draft(answering.find(token)) == {"A1": "6"}  # the old draft stands


def test_free_text_too_long_for_the_ballot_is_refused_and_kept_on_the_page(
    client, link, sworld, db_session
) -> None:
    """Each answer is within its 4,000 characters, but together they do not fit the
    ballot's fixed text block: the form says so at the longest answer, about how much
    to shorten, and keeps every character typed; the saved draft stands, and autosave
    says the same."""
    import random

    from portal.surveys import answering

    save(client, link, form_data({"A1": "6"}, db_session, sworld))
    rng = random.Random(7)
    long_text = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(3000))
    data = form_data({"A1": "5", "F1": "Kort svar", "F2": long_text}, db_session, sworld)
    response = save(client, link, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "för långa tillsammans" in page
    assert 'href="#q9"' in page  # F2, the longest
    assert long_text in html.unescape(page)  # nothing typed is lost
    token = links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1]
    assert answering.load_draft(answering.find(token)) == {"A1": "6"}  # the old draft stands
    payload = {**data, "csrf_token": csrf(client, link + "/answers")}
    autosaved = client.post(link + "/autosave", data=payload, headers={"HX-Request": "true"})
    assert autosaved.status_code == 200
    assert "för långa tillsammans" in autosaved.get_data(as_text=True)
    assert answering.load_draft(answering.find(token)) == {"A1": "6"}


def test_review_with_missing_answers_marks_each_and_keeps_the_draft(
    client, link, sworld, db_session
) -> None:
    data = form_data({"A1": "6", "A2": "7"}, db_session, sworld)
    response = save(client, link, data, button="review")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="error" id="q') == 5  # B1, B2, B3, C1, C2; free text is optional
    assert count(db_session, Draft) == 1


def answer_everything(client: Any, link: str, db_session: Any, world: Any) -> None:
    data = form_data({**FULL_ANSWERS, "F2": "Tydligare roller"}, db_session, world)
    response = save(client, link, data, button="review")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review")


def test_review_submit_and_receipt(client, link, sworld, db_session) -> None:
    answer_everything(client, link, db_session, sworld)
    review = client.get(link + "/review").get_data(as_text=True)
    assert "Tydligare roller" in review
    assert "<dd>6</dd>" in review  # only the ends carry labels
    assert "Vet ej / ej aktuellt" in review
    response = client.post(link + "/submit", data={"csrf_token": csrf(client, link + "/review")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/receipt")
    receipt = client.get(link + "/receipt")
    assert receipt.status_code == 200
    assert count(db_session, Ballot) == 1
    assert count(db_session, Answer) == 0  # written when the round closes
    assert count(db_session, Draft) == 0
    # The link now says so, in words.
    again = client.get(link)
    assert again.status_code == 302
    assert client.get(link + "/answers").headers["Location"].endswith("/receipt")


def test_the_database_forgets_the_draft_of_an_answered_invitation(
    client, link, sworld, db_session
) -> None:
    """Whatever marks an invitation answered, its draft (the respondent's own words)
    goes with it: a trigger, not the submit's code, deletes it."""
    from portal.surveys.models import Invitation

    answer_everything(client, link, db_session, sworld)
    assert count(db_session, Draft) == 1
    db_session.execute(sa.update(Invitation).values(answered=True))
    assert count(db_session, Draft) == 0
    db_session.rollback()


def test_a_double_submit_is_recorded_once(client, link, sworld, db_session) -> None:
    answer_everything(client, link, db_session, sworld)
    token = csrf(client, link + "/review")
    first = client.post(link + "/submit", data={"csrf_token": token})
    second = client.post(link + "/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith("/receipt")
    assert count(db_session, Ballot) == 1


def test_a_submit_without_its_csrf_token_records_nothing(client, link, sworld, db_session) -> None:
    answer_everything(client, link, db_session, sworld)
    response = client.post(link + "/submit", data={})
    assert response.status_code == 400
    assert count(db_session, Ballot) == 0
    assert count(db_session, Draft) == 1
    assert client.get(link + "/review").status_code == 200  # the answers are still there


def test_two_tabs_submitting_record_once(sworld, db_session) -> None:
    """The second tab read the invitation before the first submitted: the conditional
    UPDATE, not the earlier check, is what stops it."""
    from portal.surveys import answering

    make_round(db_session, sworld)
    token = links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1]
    access = answering.find(token)
    answering.submit(access, FULL_ANSWERS)
    assert not access.invitation.answered  # what the second tab read: now stale
    with pytest.raises(answering.AlreadyAnsweredError):
        answering.submit(access, FULL_ANSWERS)
    assert count(db_session, Ballot) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/survey/" + "A" * 43,
        "/survey/short",
        "/survey/" + "A" * 43 + "/answers",
        "/survey/" + "%00" * 3,
    ],
)
def test_unknown_or_tampered_links_get_the_neutral_page(client, sworld, db_session, path) -> None:
    make_round(db_session, sworld)
    response = client.get(path)
    assert response.status_code in (404, 400)


def without_csrf(page: str) -> str:
    """The page with its CSRF tokens blanked (they are signed with the current time)."""
    page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)
    return re.sub(r'("X-CSRFToken": ")[^"]*"', r'\1"', page)


def test_a_closed_round_looks_exactly_like_an_unknown_link(client, sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    link = links(db_session)[sworld.emails["member"]]
    services.close_round(None, survey_round)
    db_session.commit()
    unknown_link = "/survey/" + "B" * 43
    closed = client.get(link)
    unknown = client.get(unknown_link)
    assert closed.status_code == unknown.status_code == 404
    # Identical but for the page's own address (in the language switch) and the signed
    # CSRF token of the language form, which carries the second it was made in.
    assert without_csrf(closed.get_data(as_text=True).replace(link, unknown_link)) == without_csrf(
        unknown.get_data(as_text=True)
    )
    assert "stängt" in closed.get_data(as_text=True) or "closed" in closed.get_data(as_text=True)


def test_answering_after_close_records_nothing(client, sworld, db_session) -> None:
    survey_round = make_round(db_session, sworld)
    link = links(db_session)[sworld.emails["member"]]
    token = csrf(client, link + "/answers")
    data = form_data(FULL_ANSWERS, db_session, sworld)
    services.close_round(None, survey_round)
    db_session.commit()
    response = client.post(link + "/answers", data={**data, "csrf_token": token, "save": "1"})
    assert response.status_code == 404
    submitted = client.post(link + "/submit", data={"csrf_token": token})
    assert submitted.status_code == 404
    assert count(db_session, Draft) == 0
    assert count(db_session, Ballot) == 0


def test_the_closing_day_passing_stops_answers_before_the_round_is_closed(
    client, sworld, db_session
) -> None:
    import datetime as dt

    from portal.groups.services import today

    survey_round = make_round(db_session, sworld)
    link = links(db_session)[sworld.emails["member"]]
    db_session.execute(
        sa.update(SurveyRound)
        .where(SurveyRound.id == survey_round.id)
        .values(opens_on=today() - dt.timedelta(days=9), closes_on=today() - dt.timedelta(days=1))
    )
    db_session.commit()
    assert client.get(link).status_code == 404


def test_submit_writes_the_answers_in_one_statement(
    client, link, sworld, db_session, count_queries
) -> None:
    """The answers go in sealed, as one ballot; on PostgreSQL the mark and the ballot
    are one statement. Closing writes them into their columns."""
    from portal.surveys.models import Question, TextReview

    text = ' Vi behöver "tydligare" roller \\ och mål\n'
    saved = save(
        client, link, form_data({**FULL_ANSWERS, "F2": text}, db_session, sworld), "review"
    )
    assert saved.status_code == 302
    token = csrf(client, link + "/review")
    with count_queries() as counter:
        response = client.post(link + "/submit", data={"csrf_token": token})
    assert response.status_code == 302
    inserts = [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "WITH"))]
    assert len(inserts) == 1, inserts  # one ballot
    if db_session.get_bind().dialect.name == "postgresql":
        assert counter.count == 2, counter.statements  # the link's query, the submit
    else:
        assert counter.count == 3, counter.statements  # the link's query, mark, ballot
    close_open_rounds(db_session)
    stored = {
        code: (value, dont_know, text, review)
        for code, value, dont_know, text, review in db_session.execute(
            sa.select(
                Question.code, Answer.value, Answer.dont_know, Answer.text, Answer.review
            ).join(Answer, Answer.question_id == Question.id)
        )
    }
    assert stored == {
        **{c: (int(v), False, None, None) for c, v in FULL_ANSWERS.items() if v != "dk"},
        "B2": (None, True, None, None),
        "F2": (None, False, text.strip(), TextReview.PENDING),
    }


def test_a_submit_records_what_the_review_page_showed(
    client, link, sworld, db_session, count_queries
) -> None:
    """The review page sends its answers back with the instrument version; the submit
    seals those, not the draft."""
    answer_everything(client, link, db_session, sworld)
    data = review_form(client, link)
    assert data["answer-F2"] == "Tydligare roller"
    with count_queries() as counter:
        response = client.post(link + "/submit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/receipt")
    if db_session.get_bind().dialect.name == "postgresql":
        assert counter.count == 2, counter.statements  # the link's query, the submit
    else:
        assert counter.count == 3, counter.statements  # the link's query, mark, ballot
    assert count(db_session, Draft) == 0
    again = client.post(link + "/submit", data=data)  # a double submit: recorded once
    assert again.headers["Location"].endswith("/receipt")
    assert count(db_session, Ballot) == 1
    assert stored_answers(db_session) == {**FULL_ANSWERS, "F2": "Tydligare roller"}
    assert count(db_session, SurveyResponse) == 1


def test_what_was_reviewed_is_recorded_not_a_draft_saved_later(
    client, link, sworld, db_session
) -> None:
    """Another tab changed the draft after this review page was shown: the submit
    records what the respondent saw and confirmed."""
    answer_everything(client, link, db_session, sworld)
    data = review_form(client, link)
    changed = save(client, link, form_data({**FULL_ANSWERS, "A1": "1"}, db_session, sworld))
    assert changed.status_code == 302
    assert client.post(link + "/submit", data=data).status_code == 302
    assert stored_answers(db_session)["A1"] == FULL_ANSWERS["A1"] != "1"


def test_without_the_version_questions_the_submit_reads_the_link_first(
    client, link, sworld, db_session, count_queries, monkeypatch
) -> None:
    """A worker that has not read the version's questions (the review page was served
    by another) takes the way through the link's query, with the same outcome."""
    from portal.surveys.answering import caches

    answer_everything(client, link, db_session, sworld)
    data = review_form(client, link)
    monkeypatch.setattr(caches, "QUESTIONS", caches.QuestionCache())
    with count_queries() as counter:
        response = client.post(link + "/submit", data=data)
    assert response.headers["Location"].endswith("/receipt")
    if db_session.get_bind().dialect.name == "postgresql":
        assert counter.count == 3, counter.statements  # the link, its questions, the submit
    assert stored_answers(db_session) == {**FULL_ANSWERS, "F2": "Tydligare roller"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("answer-A1", "9"),
        ("answer-A1", ""),
        ("answer-F2", "x" * 4001),
        ("answer-F2", "".join(chr(0x4E00 + (n * 7919) % 20000) for n in range(3000))),
    ],
    ids=["off-the-scale", "required-missing", "too-long", "too-long-for-the-ballot"],
)
def test_reviewed_answers_are_checked_like_saved_ones(
    client, link, sworld, db_session, field, value
) -> None:
    answer_everything(client, link, db_session, sworld)
    data = {**review_form(client, link), field: value}
    response = client.post(link + "/submit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/answers")
    assert count(db_session, Ballot) == count(db_session, Answer) == 0
    assert count(db_session, Draft) == 1
    assert client.get(link + "/review").status_code == 200  # the saved answers are intact


@pytest.mark.parametrize(
    "version",
    [{"instrument": "999999"}, {"version": "2001-01-01T00:00:00+00:00"}, {"version": "x"}],
    ids=["other-instrument", "other-import", "unreadable"],
)
def test_answers_for_another_version_are_not_recorded(
    client, link, sworld, db_session, version
) -> None:
    """A version the link's round does not use: the submit records the saved draft."""
    answer_everything(client, link, db_session, sworld)
    data = {**review_form(client, link), "answer-A1": "1", **version}
    response = client.post(link + "/submit", data=data)
    assert response.headers["Location"].endswith("/receipt")
    assert stored_answers(db_session)["A1"] == FULL_ANSWERS["A1"] != "1"


@pytest.mark.parametrize("closing", ["closed", "closing day passed"])
def test_a_reviewed_submit_to_a_round_no_longer_open_records_nothing(
    client, link, sworld, db_session, closing
) -> None:
    import datetime as dt

    from portal.groups.services import today
    from portal.surveys.models import RoundStatus

    answer_everything(client, link, db_session, sworld)
    data = review_form(client, link)
    if closing == "closed":
        change = {"status": RoundStatus.CLOSED}
    else:
        yesterday = today() - dt.timedelta(days=1)
        change = {"opens_on": yesterday, "closes_on": yesterday}
    db_session.execute(sa.update(SurveyRound).values(**change))
    db_session.commit()
    response = client.post(link + "/submit", data=data)
    assert response.status_code == 404  # the page of an unusable link
    assert count(db_session, Ballot) == 0


def test_a_reviewed_submit_to_an_unknown_link_records_nothing(
    client, link, sworld, db_session
) -> None:
    answer_everything(client, link, db_session, sworld)
    data = review_form(client, link)
    unknown = "/survey/" + "B" * 43
    response = client.post(unknown + "/submit", data=data)
    assert response.status_code == 404
    assert count(db_session, Ballot) == 0


def test_a_submit_refused_for_missing_answers_changes_nothing(
    client, link, sworld, db_session
) -> None:
    save(client, link, form_data({"A1": "6"}, db_session, sworld))
    response = client.post(link + "/submit", data={"csrf_token": csrf(client, link + "/answers")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/answers")
    from portal.surveys import answering

    access = answering.find(links(db_session)[sworld.emails["member"]].rsplit("/", 1)[1])
    assert not access.invitation.answered
    assert answering.load_draft(access) == {"A1": "6"}
    assert count(db_session, Ballot) == count(db_session, Answer) == 0


def test_a_round_closing_during_the_submit_gets_the_closed_page(
    client, link, sworld, db_session, monkeypatch
) -> None:
    """The app checked the round was open; it closed before the response was written.
    The database refuses the response, nothing is recorded, and the respondent gets
    the page a closed round's link shows rather than an error."""
    from portal.surveys.answering import link as answering_link
    from portal.surveys.models import Invitation, RoundStatus

    answer_everything(client, link, db_session, sworld)
    token = csrf(client, link + "/review")
    db_session.execute(sa.update(SurveyRound).values(status=RoundStatus.CLOSED))
    db_session.commit()
    # checked before
    monkeypatch.setattr(answering_link, "accepts_answers", lambda _round: True)
    response = client.post(link + "/submit", data={"csrf_token": token})
    unknown = client.get("/survey/" + "B" * 43)
    assert response.status_code == unknown.status_code == 404

    def neutral(page: str) -> str:  # the language switch returns to a GET address only
        return without_csrf(re.sub(r'(name="next"[^>]*value=")[^"]*"', r'\1"', page))

    assert neutral(response.get_data(as_text=True)) == neutral(unknown.get_data(as_text=True))
    assert count(db_session, Ballot) == 0
    assert count(db_session, Draft) == 1  # rolled back: the close had not deleted it
    assert not db_session.scalar(sa.select(Invitation.answered).limit(1))


@pytest.fixture
def kept() -> Any:
    """The kept questionnaires, emptied before and after the test (and the questions'
    markup kept for them)."""
    from portal.surveys import forms
    from portal.surveys.answering.caches import BLANK_QUESTIONNAIRES

    BLANK_QUESTIONNAIRES.clear()
    forms._QUESTION_MARKUP.clear()
    yield BLANK_QUESTIONNAIRES
    BLANK_QUESTIONNAIRES.clear()
    forms._QUESTION_MARKUP.clear()


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_the_blank_questionnaire_is_kept_per_group_and_filled_in_per_link(
    app, link, sworld, db_session, kept, locale
) -> None:
    """The second respondent of a group gets the page made for the first, with their
    own link and CSRF token in it: the same page, to the byte, as a fresh rendering."""
    first_client, second_client = app.test_client(), app.test_client()
    for each in (first_client, second_client):
        with each.session_transaction() as session:
            session["locale"] = locale
    link = enter(first_client, links(db_session)[sworld.emails["member"]])
    other = enter(second_client, links(db_session)[sworld.emails["region_member"]])
    assert first_client.get(link + "/answers").status_code == 200  # keeps the questions
    assert first_client.get(link + "/answers").status_code == 200  # keeps the page
    from_kept = second_client.get(other + "/answers")
    assert (kept.misses, kept.hits) == (1, 1)
    fresh = rendered(app, second_client, other + "/answers")
    page = from_kept.get_data(as_text=True)
    assert from_kept.status_code == 200
    assert f'<html lang="{locale}">' in page
    assert without_csrf(page) == fresh
    assert other in page
    assert link.rsplit("/", 1)[1] not in page  # nothing of the first respondent's link
    assert "\x00" not in page
    # The CSRF token filled in is this session's: the form saves with it.
    data = form_data({"A1": "5"}, db_session, sworld)
    token = CSRF_RE.search(page)
    assert token is not None
    payload = {**data, "csrf_token": token[1] or token[2], "save": "1"}
    saved = second_client.post(other + "/answers", data=payload)
    assert saved.status_code == 302


def test_the_kept_questionnaire_is_not_used_when_the_page_shows_more(
    app, client, link, sworld, db_session, kept
) -> None:
    """A message or a signed-in person's name is not in the key: such a page is
    rendered afresh. A draft's answers are filled into the kept page."""
    client.get(link + "/answers")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Ett meddelande")]
    assert "Ett meddelande" in client.get(link + "/answers").get_data(as_text=True)
    sign_in(client, sworld, "member")
    assert 'class="who"' in client.get(link + "/answers").get_data(as_text=True)
    assert kept.hits == 0
    with client.session_transaction() as session:
        session.pop("_user_id")
    client.get(link + "/answers?x=1")
    assert kept.hits == 0
    save(client, link, form_data({"A1": "5"}, db_session, sworld))
    client.get(link + "/answers")  # keeps the markup of the question with "5" chosen
    hits = kept.hits
    page = client.get(link + "/answers").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="5"|value="5"[^>]*checked', page)
    assert kept.hits == hits + 1  # a draft's answers are filled into the kept page
    assert without_csrf(page) == rendered(app, client, link + "/answers")


SCALE_ANSWER = st.one_of(st.none(), st.sampled_from(["1", "2", "4", "7", "dk"]))
TEXT_ANSWER = st.one_of(
    st.none(),
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
        | st.sampled_from(["<", ">", "&amp;", '"', "'", "\n", "\r\n", " ", "</textarea>"]),
        max_size=15,
    ).map("".join),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scale=st.fixed_dictionaries(dict.fromkeys(FULL_ANSWERS, SCALE_ANSWER)),
    texts=st.fixed_dictionaries({"F1": TEXT_ANSWER, "F2": TEXT_ANSWER}),
)
def test_a_kept_page_with_a_draft_is_the_rendered_page_to_the_byte(
    app, client, link, sworld, db_session, kept, scale, texts
) -> None:
    """Drawn drafts (some questions unanswered, "don't know", free text with markup
    characters and line breaks): the page made from the kept one equals the template's
    rendering, but for the CSRF token."""
    answers = {code: value for code, value in {**scale, **texts}.items() if value is not None}
    saved = save(client, link, form_data(answers, db_session, sworld))
    assert saved.status_code in (302, 400)
    client.get(link + "/answers")  # shows the message, keeps this draft's questions
    used = kept.hits + kept.misses
    page = client.get(link + "/answers").get_data(as_text=True)
    assert kept.hits + kept.misses == used + 1  # made from the kept page
    assert "\x00" not in page
    assert without_csrf(page) == rendered(app, client, link + "/answers")


def rendered(app: Any, client: Any, path: str) -> str:
    """The page as the template renders it, the kept page not used (``_blank_key``
    leaves out a page in debug mode): what a kept page must equal, to the byte, but
    for the CSRF token (the kept copy's is the session's, as is this one's)."""
    app.debug = True
    try:
        return without_csrf(client.get(path).get_data(as_text=True))
    finally:
        app.debug = False


def test_a_worker_keeps_the_questions_of_at_most_64_versions(monkeypatch) -> None:
    """The versions whose questions a worker has read, the first read going first; a
    version it no longer keeps is unknown to the submit (which then reads the link)."""
    import datetime as dt

    from portal.surveys import answering
    from portal.surveys.answering import caches

    monkeypatch.setattr(caches, "QUESTIONS", caches.QuestionCache())
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    kept = caches.QUESTION_VERSIONS_KEPT
    for instrument_id in range(kept + 1):
        assert caches.QUESTIONS.questions(instrument_id, when, lambda i: (i,)) == (instrument_id,)
    assert answering.known_questions(0, when) is None
    assert answering.known_questions(1, when) == (1,)
    assert answering.known_questions(kept, when) == (kept,)
    assert answering.known_questions(1, when.replace(tzinfo=None)) is None
    assert len(caches.QUESTIONS) == kept


def test_a_head_request_reads_the_link_pages_like_a_get(client, link) -> None:
    """Link previews (mail clients, chat) send HEAD: it reads, it is not a form post."""
    for page in ("", "/answers", "/review"):
        head, get = client.head(link + page), client.get(link + page)
        assert head.status_code == get.status_code, page
        assert head.get_data() == b""
