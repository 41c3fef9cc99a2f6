"""A survey round run as respondents run it, watched as an adversary would watch it.

Six members of one group (k = 3) answer through the HTTP pages (and, in the run with
``source="board"``, six board members of an association-level round, issue 22), each in a browser of
their own, in a known order: first every one saves a draft, then they submit one after
the other. Each gives a different first answer (respondent i answers i + 1), which is
the ground truth an attack is scored against, and free text of a different length.
Between the phases and after the close the adversary takes what a copy of the
database holds: rows in physical order, system columns and (on PostgreSQL, with
``pageinspect``) every tuple on every page, dead ones included. An access log in
werkzeug's format is kept of every request, as a server or proxy in front would.

Everything is committed for real (no rolled-back test transaction), so transaction ids
and physical order are what production would have; the fixture deletes the
association afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.groups.models import Group
from portal.groups.services import today
from portal.organisations.models import AgencyKind, Association
from portal.surveys import crypto, services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Instrument, RespondentGroup, SurveyRound
from tests.conftest import CSRF_RE
from tests.factories import Factory
from tests.support.surveys import FULL_ANSWERS, demo_text, enter, links

RESPONDENTS = 6
K = 3
# Respondent i's agency: a group of three municipalities, two regions and one state
# agency, so that a kind count narrows the set (route 6).
KINDS = [AgencyKind.MUNICIPALITY] * 3 + [AgencyKind.REGION] * 2 + [AgencyKind.STATE]
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def answers_of(index: int) -> dict[str, str]:
    """Respondent ``index``'s answers: A1 names them (the ground truth); F1's length
    differs from everyone else's."""
    return {**FULL_ANSWERS, "A1": str(index + 1), "F1": "Svar " + "å" * (index * 120)}


@dataclass
class Respondent:
    index: int  # submit order
    email: str
    invitation_id: int
    membership_id: int | None  # the board member's user id in a board run; None: a code
    token: str  # a link's, or the one a participant code stands for
    kind: AgencyKind | None
    slot: str = ""
    code: str = ""  # a participant code as printed (source CODES)


@dataclass
class Copy:
    """What a copy of the database holds at one moment."""

    invitations: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id
    responses: list[dict[str, Any]] = field(default_factory=list)  # physical order
    ballots: list[dict[str, Any]] = field(default_factory=list)  # physical order
    drafts: list[dict[str, Any]] = field(default_factory=list)
    round_keys: list[dict[str, Any]] = field(default_factory=list)
    tuples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # PG pages
    file_bytes: bytes = b""  # SQLite's file


@dataclass
class Run:
    source: str  # "members" (personal links) or "codes" (participant codes)
    dialect: str
    round_id: int
    group_id: int | None  # None: the board run's (association level)
    respondents: list[Respondent]
    log: list[str]
    drafting: Copy  # every respondent has a draft, nobody has submitted
    submitted: Copy  # every respondent has submitted, the round is open
    closed: Copy  # the round has closed
    secret_key: str

    def by_a1(self, value: int) -> Respondent:
        return self.respondents[value - 1]

    def own_transactions(self) -> set[int]:
        """PostgreSQL: the transaction ids that wrote this round's drafts, ballots
        (each submit's) and keys. Other tests' rows may share the tables; these may not
        remain on any page, dead or alive, after the close."""
        return _written_by_round(self.drafting, self.submitted)


def _written_by_round(drafting: Copy, submitted: Copy) -> set[int]:
    ids = {d["xmin"] for d in drafting.drafts if "xmin" in d}
    ids |= {b["xmin"] for b in submitted.ballots if "xmin" in b}
    ids |= {k["xmin"] for k in submitted.round_keys if "xmin" in k}
    ids |= {r["xmin"] for r in submitted.invitations.values() if r["answered"] and "xmin" in r}
    return ids


def _left_behind(copy: Copy, own: set[int]) -> bool:
    """Whether a tuple of the sealed tables still carries one of ``own``'s ids."""
    sealed = ("survey_ballots", "survey_drafts", "survey_round_keys")
    return any(
        ({t["xmin"] for t in tuples} | {t["xmax"] for t in tuples}) & own
        for table, tuples in copy.tuples.items()
        if table.startswith(sealed)
    )


class AccessLog:
    """WSGI middleware writing one werkzeug-style line per request."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self.wsgi_app = wsgi_app
        self.lines: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        status: list[str] = []

        def recording(code: str, headers: Any, *args: Any) -> Any:
            status.append(code.split(maxsplit=1)[0])
            return start_response(code, headers, *args)

        result = self.wsgi_app(environ, recording)
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        stamp = time.strftime("%d/%b/%Y %H:%M:%S")
        self.lines.append(
            f"{environ.get('REMOTE_ADDR', '127.0.0.1')} - - [{stamp}] "
            f'"{environ["REQUEST_METHOD"]} {path} HTTP/1.1" {status[0] if status else "-"} -'
        )
        return result


def _fields(answers: dict[str, str], codes: dict[str, str]) -> dict[str, str]:
    return {codes[code]: value for code, value in answers.items()}


def _csrf(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, page[:300]
    return match[1] or match[2]


def _pg_tuples(relation: str) -> list[dict[str, Any]]:
    """Every line pointer on every page of ``relation`` (dead tuples too)."""
    rows = db.session.execute(
        sa.text(
            "SELECT b AS block, lp, lp_flags, t_xmin::text::bigint AS xmin,"
            " t_xmax::text::bigint AS xmax, length(t_data) AS size"
            " FROM generate_series(0, (pg_relation_size(CAST(:rel AS regclass)) / 8192)::int - 1)"
            " AS b, heap_page_items(get_raw_page(CAST(:rel AS text), b))"
        ),
        {"rel": relation},
    ).mappings()
    return [dict(row) for row in rows]


def take_copy(app: Any, run_round: int, group_id: int | None) -> Copy:
    """What an adversary holding the database file(s) reads now."""
    copy = Copy()
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        system = ", xmin::text::bigint AS xmin, ctid::text AS ctid" if postgres else ""
        for row in db.session.execute(
            sa.text(
                "SELECT id, coalesce(membership_id, user_id) AS membership_id, answered,"  # noqa: S608
                f" token_salt, token_hash{system}"
                " FROM survey_invitations WHERE round_id = :r"
            ),
            {"r": run_round},
        ).mappings():
            copy.invitations[row["id"]] = dict(row)
        a1 = db.session.scalar(
            sa.text(
                "SELECT q.id FROM survey_questions AS q JOIN survey_rounds AS r"
                " ON r.instrument_id = q.instrument_id WHERE r.id = :r AND q.code = 'A1'"
            ),
            {"r": run_round},
        )
        # Natural order: a sequential scan, as a dump or a copy of the table file has it.
        resp_system = ", r.xmin::text::bigint AS xmin, r.ctid::text AS ctid" if postgres else ""
        copy.responses = [
            dict(row)
            for row in db.session.execute(
                sa.text(
                    f"SELECT r.id, r.group_id, r.agency_kind{resp_system},"  # noqa: S608
                    " (SELECT value FROM survey_answers AS a WHERE a.response_id = r.id"
                    "  AND a.question_id = :q) AS a1,"
                    " (SELECT text FROM survey_answers AS a WHERE a.response_id = r.id"
                    "  AND a.text IS NOT NULL ORDER BY a.question_id LIMIT 1) AS text"
                    " FROM survey_responses AS r WHERE r.round_id = :r"
                    + (" ORDER BY r.ctid" if postgres else "")  # the table file's order
                ),
                {"r": run_round, "q": a1},
            ).mappings()
        ]
        copy.ballots = [
            dict(row)
            for row in db.session.execute(
                sa.text(
                    f"SELECT id, sealed{system} FROM survey_ballots"  # noqa: S608
                    " WHERE round_id = :r" + (" ORDER BY ctid" if postgres else "")
                ),
                {"r": run_round},
            ).mappings()
        ]
        copy.drafts = [
            dict(row)
            for row in db.session.execute(
                sa.text(
                    f"SELECT invitation_id, nonce, ciphertext{system}"  # noqa: S608
                    " FROM survey_drafts"
                )
            ).mappings()
        ]
        copy.round_keys = [
            dict(row)
            for row in db.session.execute(
                sa.text(f"SELECT round_id, public_key, wrapped{system} FROM survey_round_keys")  # noqa: S608
            ).mappings()
        ]
        if postgres:
            db.session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            for table in (
                "survey_ballots",
                "survey_drafts",
                "survey_round_keys",
                "survey_responses",
                "survey_answers",
            ):
                copy.tuples[table] = _pg_tuples(table)
                toast = db.session.scalar(
                    sa.text(
                        "SELECT reltoastrelid::regclass::text FROM pg_class"
                        " WHERE oid = CAST(:t AS regclass) AND reltoastrelid <> 0"
                    ),
                    {"t": table},
                )
                if toast:
                    copy.tuples[f"{table}:toast"] = _pg_tuples(toast)
            db.session.commit()
        else:
            path = str(db.engine.url.database)
            db.session.remove()
            copy.file_bytes = Path(path).read_bytes()
        db.session.remove()
    return copy


def _codes_world(app: Any) -> tuple[int, int, int, list[Respondent]]:
    """An association with one group, an open participants' round and six codes
    issued for the group; committed. Respondent i enters code i: by its QR address
    when i is even, by typing it when odd."""
    import secrets

    from tests.surveys.codes_helpers import participants_instrument

    with app.app_context():
        session = db.session
        f = Factory(session)
        association = f.association()
        group = f.group(association)
        with app.test_request_context("/"):
            instrument = participants_instrument(session, "adversary-deltagare")
            day = today()
            survey_round = services.create_round(
                None,  # type: ignore[arg-type]
                association,
                services.RoundData(
                    year=day.year,
                    respondent_group=instrument.respondent_group,
                    instrument_id=instrument.id,
                    group_ids=[group.id],
                    opens_on=day,
                    closes_on=min(day + dt.timedelta(days=7), dt.date(day.year, 12, 31)),
                    min_answers=K,
                ),
            )
            services.open_round(None, survey_round)
            issued = services.issue_codes(
                None, survey_round, group.id, RESPONDENTS, secrets.token_hex(8)
            )
            keys = services.round_keys(survey_round.id)
            assert keys is not None
            session.commit()
        respondents = []
        for i, code in enumerate(issued.codes):
            token = crypto.code_token(keys.link_secret, code)
            invitation_id = session.scalar(
                sa.text("SELECT id FROM survey_invitations WHERE token_hash = :h"),
                {"h": crypto.token_hash(token)},
            )
            respondents.append(
                Respondent(
                    index=i,
                    email="",
                    invitation_id=invitation_id,
                    membership_id=None,
                    token=token,
                    kind=None,
                    code=crypto.format_code(code),
                )
            )
        ids = association.id, survey_round.id, group.id
        session.remove()
    return *ids, respondents


def _enter_by_code(client: Any, respondent: Respondent) -> str:
    """As ``enter``, with a participant code: by its QR address, or typed (POST)."""
    if respondent.index % 2 == 0:
        return enter(client, f"/survey/kod/{respondent.code}")
    page = client.get("/survey/kod").get_data(as_text=True)
    typed = client.post("/survey/kod", data={"code": respondent.code, "csrf_token": _csrf(page)})
    assert typed.status_code == 303, typed.status_code
    return enter(client, typed.headers["Location"])


def _world(app: Any, source: str) -> tuple[int, int, int | None, list[Respondent]]:
    """An association with one group of six members, or a board of six, and an open
    round asking them; committed."""
    with app.app_context():
        session = db.session
        f = Factory(session)
        association = f.association()
        agencies = {
            AgencyKind.MUNICIPALITY: f.agency(association),
            AgencyKind.REGION: f.agency(association, kind=AgencyKind.REGION),
            AgencyKind.STATE: f.agency(association, kind=AgencyKind.STATE),
        }
        group = f.group(association, municipalities=[agencies[AgencyKind.MUNICIPALITY]])
        members: list[tuple[User, Any, AgencyKind]] = []
        board = source == "board"
        for kind in KINDS:
            if board:
                user = f.board(association)
                members.append((user, user, kind))
            else:
                user = f.user(association)
                members.append((user, f.membership(group, user, agencies[kind]), kind))
        with app.test_request_context("/"):
            parsed = parse_instrument(demo_text())
            if board:
                parsed = dataclasses.replace(parsed, code="adversary-board")
            instrument, _ = services.import_instrument(None, parsed)
            if board:
                instrument.respondent_group = RespondentGroup.BOARD
                session.flush()
            day = today()
            survey_round = services.create_round(
                None,  # type: ignore[arg-type]
                association,
                services.RoundData(
                    year=day.year,
                    instrument_id=instrument.id,
                    group_ids=[] if board else [group.id],
                    opens_on=day,
                    closes_on=min(day + dt.timedelta(days=7), dt.date(day.year, 12, 31)),
                    min_answers=K,
                    respondent_group=RespondentGroup.BOARD if board else RespondentGroup.MANAGERS,
                ),
            )
            services.open_round(None, survey_round)
            session.commit()
            by_email = links(session)
            invitations = {
                row.membership_id: row.id
                for row in session.execute(
                    sa.text(
                        "SELECT id, coalesce(membership_id, user_id) AS membership_id"
                        " FROM survey_invitations WHERE round_id = :r"
                    ),
                    {"r": survey_round.id},
                )
            }
        respondents = [
            Respondent(
                index=i,
                email=user.email,
                invitation_id=invitations[membership.id],
                membership_id=membership.id,
                token=by_email[user.email].rsplit("/", 1)[1],
                kind=kind,
            )
            for i, (user, membership, kind) in enumerate(members)
        ]
        ids = association.id, survey_round.id, None if board else group.id
        session.remove()
    return *ids, respondents


def _codes(app: Any, round_id: int) -> dict[str, str]:
    with app.app_context():
        survey_round = db.session.get(SurveyRound, round_id)
        instrument = db.session.get(Instrument, survey_round.instrument_id)
        codes = {q.code: f"q{q.position}" for q in instrument.questions}
        db.session.remove()
    return codes


def _last_audit_id(app: Any) -> int:
    with app.app_context():
        last = db.session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM audit_events"))
        db.session.remove()
    return int(last)


def _remove(app: Any, association_id: int, emails: list[str], audit_after: int) -> None:
    with app.app_context():
        # The world's audit entries too: the instrument import names no association.
        db.session.execute(sa.text("DELETE FROM audit_events WHERE id > :id"), {"id": audit_after})
        for model in (SurveyRound, Group, Association):
            column = model.id if model is Association else model.association_id
            db.session.execute(sa.delete(model).where(column == association_id))
        db.session.execute(sa.delete(User).where(User.email.in_(emails)))
        db.session.execute(
            sa.text(
                "DELETE FROM survey_instruments"
                " WHERE id NOT IN (SELECT instrument_id FROM survey_rounds)"
            )
        )
        db.session.commit()
        db.session.remove()


def run_round(app: Any, source: str = "members") -> tuple[Run, Callable[[], None]]:
    """Run the round through the pages and close it; returns the run and its clean-up."""
    audit_after = _last_audit_id(app)
    if source == "codes":
        association_id, round_id, group_id, respondents = _codes_world(app)
    else:
        association_id, round_id, group_id, respondents = _world(app, source)
    codes = _codes(app, round_id)
    log = AccessLog(app.wsgi_app)
    app.wsgi_app = log  # type: ignore[method-assign]
    try:
        clients = [app.test_client() for _ in respondents]
        for respondent, client in zip(respondents, clients, strict=True):
            if source == "codes":
                respondent.slot = _enter_by_code(client, respondent)
            else:
                respondent.slot = enter(client, f"/survey/{respondent.token}")
            page = client.get(respondent.slot + "/answers").get_data(as_text=True)
            data = {**_fields(answers_of(respondent.index), codes), "csrf_token": _csrf(page)}
            saved = client.post(respondent.slot + "/answers", data={**data, "save": "1"})
            assert saved.status_code == 302
        drafting = take_copy(app, round_id, group_id)
        for respondent, client in zip(respondents, clients, strict=True):
            page = client.get(respondent.slot + "/review").get_data(as_text=True)
            form = page[page.index(f'action="{respondent.slot}/submit"') :]
            form = form[: form.index("</form>")]
            data = {name: html.unescape(value) for name, value in HIDDEN_RE.findall(form)}
            submitted = client.post(respondent.slot + "/submit", data=data)
            assert submitted.headers["Location"].endswith("/receipt")
            assert client.get(respondent.slot + "/receipt").status_code == 200
        submitted_copy = take_copy(app, round_id, group_id)
    finally:
        app.wsgi_app = log.wsgi_app  # type: ignore[method-assign]
    with app.app_context(), app.test_request_context("/"):
        # As the round page's close button does: close, commit, then vacuum.
        services.close_round(None, db.session.get(SurveyRound, round_id))
        db.session.commit()
        db.session.remove()
    own = _written_by_round(drafting, submitted_copy)
    for _attempt in range(20):
        # VACUUM FULL keeps rows a snapshot older than the close may still see ("recently
        # dead"; other sessions share the server): as ``survey close-due`` does on its
        # timer, it runs again until they are gone.
        with app.app_context():
            assert services.vacuum_sealed_tables()
            db.session.remove()
        closed = take_copy(app, round_id, group_id)
        if not _left_behind(closed, own):
            break
        time.sleep(0.5)
    run = Run(
        source=source,
        dialect=app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0],
        round_id=round_id,
        group_id=group_id,
        respondents=respondents,
        log=log.lines,
        drafting=drafting,
        submitted=submitted_copy,
        closed=closed,
        secret_key=app.config["SECRET_KEY"],
    )
    emails = [r.email for r in respondents if r.email]
    return run, lambda: _remove(app, association_id, emails, audit_after)


@pytest.fixture(autouse=True, name="_request_context")
def _own_transactions() -> None:
    """No rolled-back test transaction here (``tests.request_context``): these tests
    commit for real, so that transaction ids and physical order are production's."""


@pytest.fixture(scope="package", params=["members", "board", "codes"])
def survey_run(app: Any, request: pytest.FixtureRequest) -> Iterator[Run]:
    """One round run through the pages, shared by the adversary modules: the groups'
    members answering from personal links, a board round's (association level: no
    group anywhere), and participants answering with codes."""
    run, remove = run_round(app, request.param)
    try:
        yield run
    finally:
        remove()
