"""The compilation page and downloads, the export's round trip through the importer,
the naming choice and the platform's list of national network accounts."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook  # type: ignore[import-untyped]

from portal.core.audit import AuditEvent
from portal.national.services import compile_year
from portal.national.services.export import to_csv
from portal.surveys.models import RespondentGroup
from portal.surveys.national import NationalReference, import_national
from tests.conftest import csrf_token, login
from tests.national.conftest import association_of, closed_round
from tests.national.test_compilation import ANSWERS


def test_the_network_reads_the_compilation_and_others_get_404(
    client, f, db_session, instrument, national_user
):
    rounds = [closed_round(f, db_session, instrument, answers) for answers in ANSWERS]
    hidden = association_of(db_session, rounds[0])
    hidden.named_nationally = False
    db_session.flush()
    admin = f.admin(association_of(db_session, rounds[1]))
    login(client, admin.email)
    assert client.get("/national").status_code == 404
    assert client.get("/national/2025/managers.csv").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, national_user.email)
    page = client.get("/national?year=2025&group=managers")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert association_of(db_session, rounds[1]).name in html
    assert hidden.name not in html
    assert client.get("/national/2025/nobody.csv").status_code == 404
    xlsx = client.get("/national/2025/managers.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    names = [row[0].value for row in book.worksheets[1].iter_rows(min_row=2)]
    assert hidden.name not in names
    assert len(names) == 3


def test_the_page_says_when_nothing_is_closed(client, national_user):
    login(client, national_user.email)
    page = client.get("/national")
    assert page.status_code == 200


def test_the_csv_export_round_trips_through_the_importer(app, f, db_session, instrument):
    for answers in ANSWERS:
        closed_round(f, db_session, instrument, answers)
    compilation = compile_year(2025, RespondentGroup.MANAGERS)
    with app.test_request_context("/"):
        data = to_csv(compilation)
        loaded = import_national(None, data.encode("utf-8"))
    header = data.splitlines()[0].lstrip("\ufeff")
    assert header.startswith("year;question_code;share_positive;respondents;associations;")
    questions = {x.code: x.figure for x in compilation.lines if x.level == "question" and x.figure}
    assert {row.question_code for row in loaded.rows} == set(questions)  # no indicator rows
    stored = {
        r.question_code: r
        for r in db_session.scalars(
            sa.select(NationalReference).where(NationalReference.year == 2025)
        )
    }
    for code, figure in questions.items():
        assert abs(stored[code].share - figure.share) < 0.0005  # one decimal of a percentage
        assert stored[code].respondents == figure.base
        assert stored[code].associations == figure.associations


def test_the_board_sees_both_figures_labelled_with_their_associations(
    app, client, f, db_session, instrument
):
    """The imported reference (here: this installation's own export, as another
    installation would load it) and the installation-wide figure, each with the
    number of associations behind it."""
    rounds = [closed_round(f, db_session, instrument, answers) for answers in ANSWERS]
    with app.test_request_context("/"):
        import_national(None, to_csv(compile_year(2025, RespondentGroup.MANAGERS)))
    association = association_of(db_session, rounds[3])
    board = f.board(association)
    login(client, board.email)
    page = client.get(f"/a/{association.slug}/reports/2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "the national network" in html or "nationella nätverkets" in html
    row = html.split('data-code="A1"', 1)[1].split("</tr>", 1)[0]
    assert row.count("(4 ") == 2, row  # beside the reference and the installation figure


def test_the_admin_chooses_naming_audited_and_conflict_safe(client, f, db_session):
    association = f.association()
    other = f.association()
    admin = f.admin(association)
    board = f.board(association)
    login(client, board.email)
    assert client.get(f"/a/{association.slug}/national").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, admin.email)
    assert client.get(f"/a/{other.slug}/national").status_code == 404
    token = csrf_token(client, f"/a/{association.slug}/national")
    version = association.lock_version
    response = client.post(
        f"/a/{association.slug}/national", data={"csrf_token": token, "lock_version": version}
    )
    assert response.status_code == 302
    db_session.refresh(association)
    assert association.named_nationally is False
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "association.national_naming")
    ).all()
    assert len(events) == 1
    # The same (now stale) form again: a conflict page, and nothing changes.
    stale = client.post(
        f"/a/{association.slug}/national",
        data={"csrf_token": token, "lock_version": version, "named_nationally": "y"},
    )
    assert stale.status_code == 409
    db_session.refresh(association)
    assert association.named_nationally is False


def test_the_platform_admin_appoints_and_withdraws_the_role(client, f, db_session):
    platform = f.user(platform_admin=True)
    person = f.user(name="Nätverkssekreterare")
    association = f.association()
    admin = f.admin(association)
    login(client, admin.email)
    assert client.get("/platform/national-network").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, platform.email)
    token = csrf_token(client, "/platform/national-network")
    unknown = client.post(
        "/platform/national-network", data={"csrf_token": token, "email": "nobody@example.org"}
    )
    assert unknown.status_code == 400
    response = client.post(
        "/platform/national-network", data={"csrf_token": token, "email": person.email.upper()}
    )
    assert response.status_code == 302
    db_session.refresh(person)
    assert person.is_national_network
    again = client.post(
        "/platform/national-network", data={"csrf_token": token, "email": person.email}
    )
    assert again.status_code == 400  # a double submit records once
    client.post(f"/platform/national-network/{person.id}/withdraw", data={"csrf_token": token})
    db_session.refresh(person)
    assert not person.is_national_network
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("user.national_network%"))
    ).all()
    assert sorted(actions) == ["user.national_network", "user.national_network_withdrawn"]


def test_the_compilation_costs_the_same_few_statements_at_any_size(
    client, f, db_session, instrument, national_user, count_queries
):
    """At most 15 SQL statements (issue 22), however many associations and years."""
    from tests.test_queries import MAX_STATEMENTS, forget_request_caches

    login(client, national_user.email)
    counts = []
    for size in (3, 9):
        for answers in ANSWERS[:size] * (size // 3):
            for year in (2024, 2025):
                closed_round(f, db_session, instrument, answers, year=year)
        client.get("/national?year=2025&group=managers")
        forget_request_caches()
        with count_queries() as counter:
            page = client.get("/national?year=2025&group=managers")
        assert page.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= MAX_STATEMENTS, counts


def test_the_importer_checks_the_compilations_further_columns(app, db_session):
    import pytest

    from portal.surveys.national import NationalFileError, parse_national_csv

    header = "year;question_code;share_positive;respondents;associations;level\n"
    with app.test_request_context("/"):
        loaded = parse_national_csv(
            header + "2025;A;50;10;3;indicator\n2025;A1;50,5;10;3;question\n"
        )
        assert [(r.question_code, r.associations) for r in loaded.rows] == [("A1", 3)]
        with pytest.raises(NationalFileError) as refused:
            parse_national_csv(header + "2025;A1;50;10;tre;question\n")
    assert [p.line for p in refused.value.problems] == [2]
    assert "tre" in refused.value.problems[0].message  # the value, in either language
