"""The submit's fast path (``surveys.views.fastpath``, ``answering.fast``): it records
the common case in one statement before Flask, answers exactly as Flask would, and in
every other case writes nothing and lets Flask decide.

Each attack below is a submit the fast path must not record: a hint that lies, a key
or version this worker keeps that the database no longer holds, a round that closed or
whose day passed, a forged or missing CSRF token, answers that do not pass. For each,
the test checks what Flask then answered and what the database holds afterwards.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.surveys.answering import caches, load_questions
from portal.surveys.answering.fast import OpenRound
from portal.surveys.models import (
    Answer,
    Ballot,
    Draft,
    Instrument,
    Invitation,
    SurveyResponse,
    SurveyRound,
)
from portal.surveys.services import close_round
from portal.surveys.views import fastpath, slots
from tests.support.surveys import FULL_ANSWERS, answer_and_review, enter, links, make_round


def postgresql(db_session: Any) -> bool:
    return bool(db_session.get_bind().dialect.name == "postgresql")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Any:
    caches.clear()
    yield
    caches.clear()


def reviewed(client: Any, db_session: Any, world: Any, role: str = "member") -> tuple[str, dict]:
    """Open the person's link, answer everything, go to the review page: the slot's
    address and the review page's submit form as a browser sends it."""
    slot = enter(client, links(db_session)[world.emails[role]])
    instrument = db_session.get(Instrument, world.instrument_id)
    return slot, answer_and_review(client, slot, {q.code: q.position for q in instrument.questions})


def ballots(db_session: Any) -> int:
    return int(db_session.scalar(sa.select(sa.func.count()).select_from(Ballot)))


def test_a_reviewed_submit_is_recorded_in_one_statement_before_flask(
    client, sworld, db_session, view_calls, count_queries
) -> None:
    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    with count_queries() as counter:
        response = client.post(slot + "/submit", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == slot + "/receipt"
    assert ballots(db_session) == 1
    if postgresql(db_session):
        assert view_calls == []  # Flask's view never saw it
        # the round's key and version, read once per worker, and the submit itself
        assert counter.count == 2, counter.statements
        other_slot, other = reviewed(
            client.application.test_client(), db_session, sworld, "region_member"
        )
        with count_queries() as counter:
            client.application.test_client().post(other_slot + "/submit", data=other)
        # …which needs no second look: one statement a submit
        assert counter.count in (0, 1), counter.statements
    else:  # SQLite: the full path, always
        assert view_calls == [slot.rsplit("/", 1)[1]]
    assert client.get(slot + "/receipt").status_code == 200
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) <= 1


def test_the_fast_path_answers_exactly_as_flask_does(app, client, sworld, db_session) -> None:
    """The same submit, once through each path: the same status, headers and body but
    for the slot in the address."""
    make_round(db_session, sworld)
    answered = {}
    for role, fast in (("member", True), ("region_member", False)):
        browser = client.application.test_client()
        slot, form = reviewed(browser, db_session, sworld, role)
        app.config["SURVEY_FAST_SUBMIT"] = fast
        try:
            response = browser.post(slot + "/submit", data=form)
        finally:
            app.config["SURVEY_FAST_SUBMIT"] = True
        key = slot.rsplit("/", 1)[1]
        answered[fast] = (
            response.status,
            [(name, value.replace(key, "SLOT")) for name, value in response.headers.items()],
            response.get_data(as_text=True).replace(key, "SLOT"),
        )
    assert answered[True] == answered[False]
    assert ballots(db_session) == 2


def forged(app: Any, cookie: slots.SlotCookie) -> str:
    return slots.dump(app.config["SECRET_KEY"], cookie)


def slot_cookie(app: Any, client: Any, slot: str) -> slots.SlotCookie:
    value = client.get_cookie(slots.SLOT_COOKIE, path=slot).value
    cookie = slots.load(app.config["SECRET_KEY"], value, slot.rsplit("/", 1)[1])
    assert cookie is not None
    return cookie


@pytest.mark.parametrize("lie", ["round", "group", "no hints"])
def test_a_hint_that_lies_records_nothing_and_flask_records_the_truth(
    app, client, sworld, db_session, view_calls, lie
) -> None:
    """A cookie whose round or group is not the invitation's (signed with the real
    key, as only the portal can): the fast path writes nothing, Flask reads the link
    and records the ballot under the invitation's own round and group."""
    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    real = slot_cookie(app, client, slot)
    assert real.round_id is not None
    assert real.group_id == sworld.group_id
    wrong = {
        "round": slots.SlotCookie(real.slot, real.token, real.round_id + 1, real.group_id),
        "group": slots.SlotCookie(real.slot, real.token, real.round_id, sworld.other_group_id),
        "no hints": slots.SlotCookie(real.slot, real.token, None, None),
    }[lie]
    value = forged(app, wrong)
    if lie == "no hints":  # the earlier cookie's shape: [slot, token]
        value = slots._signer(app.config["SECRET_KEY"]).dumps([real.slot, real.token])
    client.set_cookie(slots.SLOT_COOKIE, value, path=slot)
    token = slots.csrf_token(app.config["SECRET_KEY"], value)  # the token bound to it
    response = client.post(slot + "/submit", data={**form, "csrf_token": token})
    assert response.headers["Location"] == slot + "/receipt"
    assert view_calls == [real.slot]  # Flask recorded it
    assert ballots(db_session) == 1
    close_round(None, db_session.scalar(sa.select(SurveyRound)))
    db_session.flush()
    (group_id,) = db_session.execute(sa.select(SurveyResponse.group_id)).one()
    assert group_id == sworld.group_id  # the invitation's group, not the hint's


def test_a_stale_key_kept_by_the_worker_never_seals_a_ballot(
    app, client, sworld, db_session, view_calls
) -> None:
    """The worker keeps a round's public key; if what it keeps is not the key the
    database holds (a worker that outlived a database, a bug), a ballot sealed with it
    could never be opened. The statement checks the key: nothing is written, the entry
    is dropped, Flask seals with the database's key, and the close opens the ballot."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    survey_round = db_session.scalar(sa.select(SurveyRound))
    wrong_key = (
        X25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    version = db_session.get(Instrument, survey_round.instrument_id)
    with app.test_request_context("/"):
        questions = load_questions(version.id)
    imported_at = version.imported_at.astimezone(dt.UTC)
    caches.OPEN_ROUNDS.put(
        survey_round.id, OpenRound(wrong_key, version.id, imported_at, questions)
    )
    response = client.post(slot + "/submit", data=form)
    assert response.headers["Location"] == slot + "/receipt"
    assert len(view_calls) == 1  # Flask sealed it, with the key the database holds
    if postgresql(db_session):
        assert caches.OPEN_ROUNDS.get(survey_round.id) is None  # the stale entry is gone
    close_round(None, survey_round)  # opens every ballot with the round's private key
    db_session.flush()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Answer)) == len(FULL_ANSWERS)


def test_a_forged_or_missing_csrf_token_is_refused(client, sworld, db_session) -> None:
    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    real = form["csrf_token"]
    last = "1" if real.endswith("0") else "0"  # one hex digit off (never the real one)
    for token in ("", "0" * 64, real[:-1] + last):
        response = client.post(slot + "/submit", data={**form, "csrf_token": token})
        assert response.status_code == 400
    assert ballots(db_session) == 0
    assert client.get(slot + "/review").status_code == 200  # the answers are all there


def test_another_slots_cookie_opens_nothing(app, client, sworld, db_session) -> None:
    """The cookie of one slot sent to another slot's address (and its CSRF token)."""
    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    value = client.get_cookie(slots.SLOT_COOKIE, path=slot).value
    other = "/survey/s/" + "x" * 32
    client.set_cookie(slots.SLOT_COOKIE, value, path=other)
    response = client.post(other + "/submit", data=form)
    assert response.status_code in (400, 404)
    assert ballots(db_session) == 0


CASES = ["closed", "day passed", "answered", "incomplete", "texts too long", "nul"]


@pytest.mark.parametrize("case", CASES)
def test_what_the_fast_path_cannot_record_flask_answers(
    app, client, sworld, db_session, view_calls, monkeypatch, caplog, case
) -> None:
    from portal.groups import services as group_services

    survey_round = make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    if case == "closed":
        db_session.execute(sa.update(SurveyRound).values(status="closed"))
        db_session.commit()
    elif case == "day passed":
        later = survey_round.closes_on + dt.timedelta(days=1)
        monkeypatch.setattr(group_services, "today", lambda: later)
    elif case == "answered":  # another tab submitted first
        db_session.execute(sa.update(Invitation).values(answered=True))
        db_session.commit()
    elif case == "incomplete":
        form = {name: value for name, value in form.items() if name != "answer-A1"}
    elif case == "texts too long":  # each within its limit, too long together
        instrument = db_session.get(Instrument, sworld.instrument_id)
        texts = [f"answer-{q.code}" for q in instrument.questions if not q.is_scale]
        assert len(texts) >= 2
        form = {**form, **{name: secrets.token_urlsafe(2000) for name in texts}}
    else:
        form = {**form, "answer-F2": "a\x00b"}
    response = client.post(slot + "/submit", data=form)
    expected = {
        "closed": (404, None),
        "day passed": (404, None),
        "answered": (302, "/receipt"),
        "incomplete": (302, "/answers"),
        "texts too long": (302, "/answers"),
        "nul": (400, None),
    }[case]
    assert response.status_code == expected[0]
    if expected[1]:
        assert response.headers["Location"].endswith(expected[1])
    assert ballots(db_session) == 0
    if case != "nul":
        assert view_calls == [slot.rsplit("/", 1)[1]]  # Flask decided what is shown
    assert "fast path failed" not in caplog.text  # each a refusal, none a fault


def test_a_double_submit_through_the_fast_path_records_once(
    client, sworld, db_session, view_calls
) -> None:
    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    first = client.post(slot + "/submit", data=form)
    second = client.post(slot + "/submit", data=form)
    assert first.headers["Location"] == second.headers["Location"] == slot + "/receipt"
    assert ballots(db_session) == 1


def test_switched_off_every_submit_goes_through_flask(
    app, client, sworld, db_session, view_calls
) -> None:
    make_round(db_session, sworld)
    slot, form = reviewed(client, db_session, sworld)
    app.config["SURVEY_FAST_SUBMIT"] = False
    try:
        response = client.post(slot + "/submit", data=form)
    finally:
        app.config["SURVEY_FAST_SUBMIT"] = True
    assert response.headers["Location"] == slot + "/receipt"
    assert view_calls == [slot.rsplit("/", 1)[1]]
    assert ballots(db_session) == 1


def _parse_qsl_form(body: bytes) -> dict[str, str] | None:
    """What the fast path read with urllib.parse.parse_qsl before ``_form`` read it."""
    import urllib.parse

    try:
        pairs = urllib.parse.parse_qsl(
            body.decode(), keep_blank_values=True, max_num_fields=fastpath.MAX_FIELDS
        )
    except ValueError:
        return None
    form: dict[str, str] = {}
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            return None
        form.setdefault(name, value)
    return form


FORM_PIECES = st.sampled_from(
    ["&", "=", "+", "%", "%2B", "%3A", "%00", "%C3%A9", "%ZZ", "%C3", "a", "answer-A1", "é", "\x00"]
)


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.one_of(FORM_PIECES, st.text(max_size=5)), max_size=30))
def test_the_fast_path_reads_a_form_as_parse_qsl_does(parts) -> None:
    body = "".join(parts).encode()
    assert fastpath._form(body) == _parse_qsl_form(body)
    assert fastpath._form(b"\xff") is None  # not UTF-8


def test_first_submits_at_once_make_one_set_of_kept_connections(app, monkeypatch) -> None:
    """A threaded server's first submits may arrive together: they share one ``Kept``
    (on PostgreSQL; on SQLite there is none), never one each whose connections leak."""
    import threading
    import time

    from portal.core import direct

    made: list[Any] = []
    real = direct.Kept

    def slow(engine: Any) -> Any:  # widen the window in which two could be made
        time.sleep(0.05)
        made.append(real(engine))
        return made[-1]

    monkeypatch.setattr(direct, "Kept", slow)
    fast_submit = fastpath.FastSubmit(app, app.wsgi_app)
    barrier = threading.Barrier(4)
    seen: list[Any] = []

    def first() -> None:
        barrier.wait()
        seen.append(fast_submit.connections())

    threads = [threading.Thread(target=first) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(seen) == 4
    assert len({id(kept) for kept in seen}) == 1
    assert len(made) == (1 if seen[0] is not None else 0)
