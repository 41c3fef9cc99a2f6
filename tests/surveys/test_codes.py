"""Participant codes: issued once, entered by POST or QR, one response per code, one
neutral refusal, rate-limited guessing, nothing in clear in the database."""

from __future__ import annotations

import io
import math
import re
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa

from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys import crypto, services, sheets
from portal.surveys.models import Ballot, CodeBatch, Invitation, SurveyResponse
from tests.support.sessions import sign_in
from tests.support.surveys import FULL_ANSWERS
from tests.surveys.codes_helpers import (
    CODE_RE,
    codes_round,
    csrf_of,
    enter_code,
    issue,
    slot_of,
)
from tests.surveys.test_respond import form_data, review_form, save

CSRF_VALUE_RE = re.compile(r'value="[^"]{20,}"')


def codes_page(world: Any, round_id: int) -> str:
    return f"/a/{world.slug}/surveys/{round_id}/codes"


def issue_by_page(client: Any, world: Any, round_id: int, **fields: Any) -> Any:
    page = client.get(codes_page(world, round_id)).get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', page)
    assert key, page[:800]
    data = {
        "group_id": world.group_id,
        "count": 10,
        "output": "pdf",
        "request_key": key[1],
        "csrf_token": csrf_of(client, codes_page(world, round_id)),
        **fields,
    }
    return client.post(codes_page(world, round_id), data=data)


def neutral(response: Any) -> str:
    """The refusal's page without its CSRF tokens (the form's, and htmx's header's: each
    signed with the second it was made in) and the code typed."""
    body = response.get_data(as_text=True)
    body = CSRF_VALUE_RE.sub("", body)
    body = re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)
    return re.sub(r'(name="code"[^>]*) value="[^"]*"', r"\1", body)


def test_a_codes_round_opens_without_invitations_or_mail(db_session, sworld):
    from portal.core.mail import OutboxMessage
    from portal.surveys.models import RoundKey

    survey_round = codes_round(db_session, sworld)
    assert survey_round.is_open
    assert db_session.get(RoundKey, survey_round.id) is not None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_pdf_sheet_has_a_slip_per_code_and_qr_codes_of_the_entry_address(
    client, db_session, sworld
):
    survey_round = codes_round(db_session, sworld)
    sign_in(client, sworld, "admin")
    response = issue_by_page(client, sworld, survey_round.id, count=11)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_data()
    assert data.startswith(b"%PDF-1.4")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == math.ceil(11 / (sheets.COLUMNS * sheets.ROWS))
    text = "\n".join(page.extract_text() for page in reader.pages)
    codes = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text)
    assert len(codes) == len(set(codes)) == 11
    assert "http://portal.test/survey/kod" in text
    drawn = qr_matrices(reader)
    assert len(drawn) == 11
    for code, matrix in zip(codes, drawn, strict=True):  # slips in the codes' order
        assert matrix == sheets.qr_matrix(f"http://portal.test/survey/kod/{code}")
    assert db_session.scalar(sa.select(CodeBatch.issued)) == 11
    rows = db_session.scalars(sa.select(Invitation)).all()
    assert len(rows) == 11
    assert {(r.membership_id, r.agency_kind, r.group_id) for r in rows} == {
        (None, None, sworld.group_id)
    }


def qr_matrices(reader: pypdf.PdfReader) -> list[list[list[bool]]]:
    """Every QR code drawn in the PDF, read back from its rectangles (``% qr`` blocks:
    ``x y w 1 re`` in module units, y counted from the bottom row)."""
    matrices = []
    for page in reader.pages:
        content = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
        for block in content.split("% qr\n")[1:]:
            runs = [
                tuple(map(int, line.split()[:3])) for line in block.split("\nf\n")[0].splitlines()
            ]
            size = max(y for _x, y, _w in runs) + 1
            matrix = [[False] * size for _ in range(size)]
            for x, y, width in runs:
                for column in range(x, x + width):
                    matrix[size - 1 - y][column] = True
            matrices.append(matrix)
    return matrices


def test_the_plain_lists_show_each_code_once(client, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    sign_in(client, sworld, "admin")
    listed = issue_by_page(client, sworld, survey_round.id, count=5, output="html")
    assert listed.status_code == 200
    assert listed.headers["Cache-Control"] == "no-store"
    assert len(set(CODE_RE.findall(listed.get_data(as_text=True)))) == 5
    csv = issue_by_page(client, sworld, survey_round.id, count=4, output="csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 5
    assert all("http://portal.test/survey/kod/" in line for line in lines[1:])
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 9


def test_a_double_submit_of_the_issuing_form_issues_once(client, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    sign_in(client, sworld, "admin")
    page = client.get(codes_page(sworld, survey_round.id)).get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', page)[1]  # type: ignore[index]
    data = {
        "group_id": sworld.group_id,
        "count": 3,
        "output": "html",
        "request_key": key,
        "csrf_token": csrf_of(client, codes_page(sworld, survey_round.id)),
    }
    first = client.post(codes_page(sworld, survey_round.id), data=data)
    second = client.post(codes_page(sworld, survey_round.id), data=data)
    assert first.status_code == 200
    assert second.status_code == 409
    assert "dra tillbaka" in second.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CodeBatch)) == 1
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 3


def test_codes_are_nowhere_in_the_database_in_clear(client, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    sign_in(client, sworld, "admin")
    listed = issue_by_page(client, sworld, survey_round.id, count=6, output="html")
    printed = CODE_RE.findall(listed.get_data(as_text=True))
    needles = set()
    for code in printed:
        plain = code.replace("-", "")
        needles |= {code, plain, plain.lower(), crypto.token_hash(plain)}
    # A participant enters one and saves a draft: the draft and cookie hold no code.
    participant = client.application.test_client()
    slot = slot_of(participant, printed[0])
    save(participant, slot, form_data(FULL_ANSWERS, db_session, sworld))
    found = scan_database(db_session, needles)
    assert found == []


def scan_database(db_session: Any, needles: set[str]) -> list[str]:
    """Every text and binary column of every table, searched for any of ``needles``."""
    hits = []
    raw = {n.encode() for n in needles}
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, (sa.String, sa.Text, sa.LargeBinary, sa.JSON))
        ]
        if not columns:
            continue
        for row in db_session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes):
                    if any(n in value for n in raw):
                        hits.append(f"{table.name}.{column.name}")
                elif any(n in str(value) for n in needles):
                    hits.append(f"{table.name}.{column.name}")
    return hits


def test_a_code_is_answered_once_whatever_is_clicked(app, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    [code] = issue(db_session, survey_round, sworld.group_id, 1)
    one, two = app.test_client(), app.test_client()
    slot_one = slot_of(one, code.lower().replace("-", " "))  # typed carelessly still works
    slot_two = slot_of(two, code)  # the same code, in another browser, before submitting
    data = form_data(FULL_ANSWERS, db_session, sworld)
    save(one, slot_one, data)
    save(two, slot_two, data)
    form_one, form_two = review_form(one, slot_one), review_form(two, slot_two)
    assert one.post(slot_one + "/submit", data=form_one).status_code == 302
    assert one.post(slot_one + "/submit", data=form_one).status_code == 302  # double click
    assert two.post(slot_two + "/submit", data=form_two).status_code == 302
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
    assert enter_code(app.test_client(), code).status_code == 400  # used: refused
    services.close_round(None, survey_round)
    db_session.commit()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_every_refusal_is_the_same_page(app, client, db_session, sworld, f):
    from portal.organisations.models import Association

    survey_round = codes_round(db_session, sworld)
    used, withdrawn, fresh = (
        issue(db_session, survey_round, sworld.group_id, 1)[0] for _ in range(3)
    )
    answering_client = app.test_client()
    slot = slot_of(answering_client, used)
    save(answering_client, slot, form_data(FULL_ANSWERS, db_session, sworld))
    answering_client.post(slot + "/submit", data=review_form(answering_client, slot))
    batch = db_session.scalars(sa.select(CodeBatch).order_by(CodeBatch.id)).all()[1]
    services.withdraw_batch(None, survey_round, batch)
    db_session.commit()
    # Another association's round, closed: its code is of another round and association.
    other = db_session.scalar(
        sa.select(Association).where(Association.id != sworld.association_id).limit(1)
    )
    other_group = f.group(other, name="Mysam Annan")
    db_session.commit()
    other_round = codes_round(
        db_session, sworld, association_id=other.id, group_ids=[other_group.id]
    )
    [closed] = issue(db_session, other_round, other_group.id, 1)
    services.close_round(None, other_round)
    db_session.commit()
    refusals = [
        enter_code(client, typed) for typed in (used, withdrawn, closed, "ABCD-EFGH-JKMN", "x")
    ]
    assert {r.status_code for r in refusals} == {400}
    assert len({neutral(r) for r in refusals}) == 1
    assert "Koden kan inte användas" in refusals[0].get_data(as_text=True)
    opened = [
        client.get(f"/survey/kod/{typed}") for typed in (used, withdrawn, closed, "ABCD-EFGH-JKMN")
    ]
    assert {r.status_code for r in opened} == {404}
    assert len({neutral(r) for r in opened}) == 1
    assert enter_code(client, fresh).status_code == 303  # and a good one still works


def test_the_qr_address_opens_the_survey_as_a_link_does(app, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    [code] = issue(db_session, survey_round, sworld.group_id, 1)
    browser = app.test_client()
    response = browser.get(f"/survey/kod/{code}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/survey/s/" in cookie
    assert code not in cookie
    assert code.replace("-", "") not in cookie
    slot = re.search(
        r'href="(/survey/s/[A-Za-z0-9_-]{32})/answers"', response.get_data(as_text=True)
    )
    assert slot
    assert browser.get(slot[1] + "/answers").status_code == 200


def test_guessing_codes_is_rate_limited_per_address(app, db_session, sworld, monkeypatch):
    from tests.test_security import other_app

    survey_round = codes_round(db_session, sworld)
    [code] = issue(db_session, survey_round, sworld.group_id, 1)
    with other_app(
        monkeypatch,
        app,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        SURVEY_CODE_RATE_LIMIT="3 per minute",
    ) as limited:
        guesser = limited.test_client()
        assert enter_code(guesser, code).status_code == 303  # a good code does not count
        statuses = [enter_code(guesser, f"ABCD-EFGH-JK{n}0").status_code for n in range(4)]
        assert statuses == [400, 400, 400, 429]
        assert guesser.get(f"/survey/kod/{code}").status_code == 429  # one limit for both
        assert guesser.get("/survey/kod").status_code == 200  # the page itself is not limited


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("process_leader", 200),
        ("other_leader", 200),
        ("board", 404),
        ("member", 404),
        ("other_admin", 404),
        ("platform_admin", 404),
    ],
)
def test_who_may_issue_codes(client, db_session, sworld, role, status):
    survey_round = codes_round(db_session, sworld)
    sign_in(client, sworld, role)
    response = client.get(codes_page(sworld, survey_round.id))
    assert response.status_code == status
    if role == "process_leader":  # their own group only
        page = response.get_data(as_text=True)
        assert "Mysam Gävle" in page
        assert "Mysam Ockelbo" not in page
        refused = issue_by_page(client, sworld, survey_round.id, group_id=sworld.other_group_id)
        assert refused.status_code == 400
        assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_a_leader_cannot_withdraw_another_groups_sheet(client, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    issue(db_session, survey_round, sworld.other_group_id, 2)
    batch_id = db_session.scalar(sa.select(CodeBatch.id))
    sign_in(client, sworld, "process_leader")
    response = client.post(
        f"{codes_page(sworld, survey_round.id)}/{batch_id}/withdraw",
        data={"csrf_token": csrf_of(client, codes_page(sworld, survey_round.id))},
    )
    assert response.status_code == 404
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 2


def test_a_members_round_has_no_codes(client, db_session, sworld):
    from tests.support.surveys import make_round

    survey_round = make_round(db_session, sworld)
    sign_in(client, sworld, "admin")
    assert client.get(codes_page(sworld, survey_round.id)).status_code == 404
    with pytest.raises(DomainError, match="nås inte med koder"):
        issue(db_session, survey_round, sworld.group_id, 1)


def test_the_round_page_shows_codes_used_of_handed_out(app, client, db_session, sworld):
    survey_round = codes_round(db_session, sworld)
    codes = issue(db_session, survey_round, sworld.group_id, 4)
    participant = app.test_client()
    slot = slot_of(participant, codes[0])
    save(participant, slot, form_data(FULL_ANSWERS, db_session, sworld))
    participant.post(slot + "/submit", data=review_form(participant, slot))
    sign_in(client, sworld, "admin")
    page = client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}").get_data(as_text=True)
    assert "Utdelade koder" in page
    assert "1 av 4 koder använda" in page
    assert "/codes" in page
    rates = services.response_rates(survey_round)
    assert (rates.total.invited, rates.total.answered) == (4, 1)
