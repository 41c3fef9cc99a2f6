"""Instrument versions from the web (issue 22): the platform admin uploads a version with
the command's checks and messages, it stays a draft that no association is offered, and
publishing offers it to all at once, audited, once, and only as the admin saw it."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.groups.services import today
from portal.surveys import services
from portal.surveys.instrument import InstrumentError, parse_instrument
from portal.surveys.models import Instrument, RespondentGroup
from portal.surveys.services import RoundData
from tests.conftest import csrf_token, post
from tests.support.sessions import sign_in
from tests.support.surveys import demo_text, round_window

PAGE = "/platform/instruments"


def board_doc(version: str = "2027.1") -> dict[str, Any]:
    """The demo instrument made a board version, without a respondent group of its own."""
    doc = json.loads(demo_text())
    doc.update(code="board-test", version=version)
    del doc["respondent_group"]
    return doc


def upload(client: Any, text: str, group: str = "board", token: str | None = None) -> Any:
    return client.post(
        PAGE,
        data={
            "csrf_token": token if token is not None else csrf_token(client, PAGE),
            "respondent_group": group,
            "file": (io.BytesIO(text.encode("utf-8")), "instrument.json"),
        },
        content_type="multipart/form-data",
    )


def stored(db_session: Any, code: str = "board-test") -> Instrument | None:
    db_session.expire_all()
    return db_session.scalar(sa.select(Instrument).where(Instrument.code == code))


def events(db_session: Any, action: str) -> list[AuditEvent]:
    """Entries made through the pages (the world's demo import has no actor)."""
    return list(
        db_session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.actor_id.is_not(None)
            )
        )
    )


def offered(client: Any, slug: str) -> set[int]:
    """The instrument versions the new-round form offers."""
    page = client.get(f"/a/{slug}/surveys/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="instrument_id".*?</select>', page, re.S)
    assert select is not None
    return {int(v) for v in re.findall(r'value="(\d+)"', select.group(0))}


def board_round(sworld: Any, instrument_id: int) -> RoundData:
    opens_on, closes_on = round_window(today().year, today())
    return RoundData(
        year=today().year,
        instrument_id=instrument_id,
        group_ids=[sworld.group_id],
        opens_on=opens_on,
        closes_on=closes_on,
        min_answers=3,
        respondent_group=RespondentGroup.BOARD,
    )


# --- upload ---------------------------------------------------------------------------


def test_an_upload_is_stored_as_an_unpublished_draft(client, db_session, sworld) -> None:
    sign_in(client, sworld, "platform_admin")
    response = upload(client, json.dumps(board_doc(), indent=2, ensure_ascii=False))
    assert response.status_code == 302
    draft = stored(db_session)
    assert draft is not None
    assert response.headers["Location"].endswith(f"{PAGE}/{draft.id}")
    assert draft.respondent_group == RespondentGroup.BOARD
    assert not draft.is_published
    page = client.get(PAGE).get_data(as_text=True)
    assert "board-test" in page
    assert "Inte publicerad" in page
    assert "Styrelseledamöter" in page
    [event] = events(db_session, "survey_instrument.import")
    assert event.actor_id == sworld.user_ids["platform_admin"]


def test_upload_errors_name_their_line_and_pointer_and_keep_the_group(
    client, db_session, sworld
) -> None:
    sign_in(client, sworld, "platform_admin")
    doc = board_doc()
    doc["indicators"][0]["questions"][1]["code"] = "A1"
    del doc["scales"]["exempel-1-7"]["high_label"]
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    expected = {(p.line, p.pointer) for p in _problems(text, RespondentGroup.STAFF)}
    response = upload(client, text, group="staff")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Filen lagrades inte: 2 fel" in page
    for line, pointer in expected:
        assert f"Rad {line}, <code>{pointer}</code>" in page, (line, pointer)
    assert "används två gånger" in page
    # What was chosen stays chosen; the file must be chosen again.
    assert re.search(r'<option selected value="staff">|<option value="staff" selected', page)
    assert stored(db_session) is None


def _problems(text: str, group: RespondentGroup) -> list[Any]:
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, group)
    return caught.value.problems


def test_broken_json_names_its_line(client, db_session, sworld) -> None:
    sign_in(client, sworld, "platform_admin")
    response = upload(client, '{\n  "code": "x",\n  "version": \n}')
    assert response.status_code == 400
    assert "Rad 4, <code>/</code>" in response.get_data(as_text=True)


def test_a_file_for_another_group_than_chosen_is_refused(client, db_session, sworld) -> None:
    sign_in(client, sworld, "platform_admin")
    doc = board_doc()
    doc["respondent_group"] = "referrers"
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    response = upload(client, text, group="board")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    line = text.splitlines().index('  "respondent_group": "referrers"') + 1
    assert f"Rad {line}, <code>/respondent_group</code>" in page
    assert "Remittenter" in page
    assert "Styrelseledamöter" in page
    assert stored(db_session) is None
    # The same file with the group it names goes in.
    assert upload(client, text, group="referrers").status_code == 302
    assert stored(db_session).respondent_group == RespondentGroup.REFERRERS


def test_the_group_must_be_said_somewhere_and_be_known(sworld) -> None:
    doc = board_doc()
    [missing] = _problems(json.dumps(doc, indent=2), None)  # type: ignore[arg-type]
    assert missing.pointer == ""
    assert "respondent_group" in missing.message
    doc["respondent_group"] = "chefer"
    text = json.dumps(doc, indent=2)
    [unknown] = _problems(text, None)  # type: ignore[arg-type]
    assert unknown.pointer == "/respondent_group"
    assert unknown.line == text.splitlines().index('  "respondent_group": "chefer"') + 1


def test_a_file_with_a_byte_order_mark_is_read(client, db_session, sworld) -> None:
    sign_in(client, sworld, "platform_admin")
    response = upload(client, "\ufeff" + json.dumps(board_doc(), ensure_ascii=False))
    assert response.status_code == 302
    assert stored(db_session) is not None


def test_a_file_that_is_not_utf8_is_refused(client, db_session, sworld) -> None:
    sign_in(client, sworld, "platform_admin")
    response = client.post(
        PAGE,
        data={
            "csrf_token": csrf_token(client, PAGE),
            "respondent_group": "board",
            "file": (io.BytesIO('{"title": "Styrelse"}'.encode("latin-1") + b"\xe5"), "x.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_a_draft_is_replaced_by_a_corrected_upload_a_published_one_is_not(
    client, db_session, sworld
) -> None:
    sign_in(client, sworld, "platform_admin")
    doc = board_doc()
    assert upload(client, json.dumps(doc)).status_code == 302
    doc["title"] = "Rättad titel"
    assert upload(client, json.dumps(doc)).status_code == 302
    draft = stored(db_session)
    assert draft.title == "Rättad titel"
    assert draft.lock_version == 2
    post(client, f"{PAGE}/{draft.id}/publish", {"lock_version": "2"}, token_page=PAGE)
    doc["title"] = "Ännu en titel"
    response = upload(client, json.dumps(doc))
    assert response.status_code == 400
    assert "Ge den rättade filen en ny version" in response.get_data(as_text=True)
    assert stored(db_session).title == "Rättad titel"
    # The identical file again (a double submit) changes nothing and records nothing.
    doc["title"] = "Rättad titel"
    before = len(events(db_session, "survey_instrument.import"))
    assert upload(client, json.dumps(doc)).status_code == 302
    assert len(events(db_session, "survey_instrument.import")) == before


# --- publish --------------------------------------------------------------------------


def test_publishing_offers_the_version_to_every_association_once_and_is_audited(
    client, db_session, sworld
) -> None:
    sign_in(client, sworld, "platform_admin")
    upload(client, json.dumps(board_doc()))
    draft = stored(db_session)
    page = client.get(f"{PAGE}/{draft.id}").get_data(as_text=True)
    assert "Publicera för alla förbund" in page
    for _attempt in range(2):  # a double click
        response = post(
            client, f"{PAGE}/{draft.id}/publish", {"lock_version": "1"}, token_page=PAGE
        )
        assert response.status_code == 302
    published = stored(db_session)
    assert published.is_published
    [event] = events(db_session, "survey_instrument.publish")
    assert event.actor_id == sworld.user_ids["platform_admin"]
    assert event.association_id is None
    assert "board-test" in event.summary
    page = client.get(f"{PAGE}/{draft.id}").get_data(as_text=True)
    assert "Publicera för alla förbund" not in page
    assert "var redan publicerad" in page


def test_a_publish_from_a_page_opened_before_a_reupload_is_a_conflict(
    client, db_session, sworld
) -> None:
    sign_in(client, sworld, "platform_admin")
    doc = board_doc()
    upload(client, json.dumps(doc))
    doc["title"] = "Omformulerad av någon annan"
    upload(client, json.dumps(doc))  # version 2 now
    response = post(client, f"{PAGE}/{stored(db_session).id}/publish", {"lock_version": "1"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "ersattes av en annan uppladdning" in page
    assert "Omformulerad av någon annan" in page
    assert 'value="2"' in page  # publishing again publishes what is shown now
    assert not stored(db_session).is_published
    assert events(db_session, "survey_instrument.publish") == []


def test_a_publish_without_its_version_or_csrf_token_does_nothing(
    client, db_session, sworld
) -> None:
    sign_in(client, sworld, "platform_admin")
    upload(client, json.dumps(board_doc()))
    draft_id = stored(db_session).id
    assert post(client, f"{PAGE}/{draft_id}/publish", {}).status_code == 400
    response = client.post(f"{PAGE}/{draft_id}/publish", data={"lock_version": "1"})
    assert response.status_code == 400
    assert upload(client, json.dumps(board_doc("2027.9")), token="").status_code == 400
    assert stored(db_session).is_published is False
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).select_from(Instrument).where(Instrument.version == "2027.9")
        )
        == 0
    )


# --- what associations are offered ----------------------------------------------------


def test_an_unpublished_version_is_not_offered_and_refused_by_the_service(
    client, db_session, sworld
) -> None:
    from portal.accounts.models import User
    from portal.organisations.models import Association

    draft, _ = services.import_instrument(
        None, parse_instrument(json.dumps(board_doc()), RespondentGroup.BOARD), publish=False
    )
    db_session.commit()
    assert draft not in services.published_instruments(RespondentGroup.BOARD)
    association = db_session.get(Association, sworld.association_id)
    admin = db_session.get(User, sworld.user_ids["admin"])
    with pytest.raises(DomainError, match="inte publicerad"):
        services.create_round(admin, association, board_round(sworld, draft.id))

    sign_in(client, sworld, "admin")
    base = f"/a/{sworld.slug}/surveys"
    assert f"/instruments/{draft.id}" not in client.get(base).get_data(as_text=True)
    assert client.get(f"{base}/instruments/{draft.id}").status_code == 404
    assert offered(client, sworld.slug) == {sworld.instrument_id}

    services.publish_instrument(None, draft, draft.lock_version)
    db_session.commit()
    assert f"/instruments/{draft.id}" in client.get(base).get_data(as_text=True)
    assert client.get(f"{base}/instruments/{draft.id}").status_code == 200
    made = services.create_round(admin, association, board_round(sworld, draft.id))
    assert made.instrument_id == draft.id


def test_the_round_form_offers_only_the_rounds_respondent_group(client, db_session, sworld):
    services.import_instrument(
        None, parse_instrument(json.dumps(board_doc()), RespondentGroup.BOARD)
    )
    db_session.commit()
    sign_in(client, sworld, "admin")
    # A new round asks the managers (the default): the board's version is not offered.
    assert offered(client, sworld.slug) == {sworld.instrument_id}


@pytest.mark.parametrize("role", ["admin", "board", "process_leader", "other_admin"])
def test_only_the_platform_admin_reaches_the_instrument_pages(client, db_session, sworld, role):
    draft, _ = services.import_instrument(
        None, parse_instrument(json.dumps(board_doc()), RespondentGroup.BOARD), publish=False
    )
    db_session.commit()
    sign_in(client, sworld, role)
    token = csrf_token(client, "/")
    assert client.get(PAGE).status_code == 404
    assert client.get(f"{PAGE}/{draft.id}").status_code == 404
    response = client.post(
        f"{PAGE}/{draft.id}/publish", data={"csrf_token": token, "lock_version": "1"}
    )
    assert response.status_code == 404
    assert upload(client, json.dumps(board_doc("2027.5")), token=token).status_code == 404
    assert not stored(db_session).is_published
    assert events(db_session, "survey_instrument.publish") == []


def test_the_command_publishes_unless_told_to_keep_a_draft(app, db_session, tmp_path) -> None:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board_doc(), indent=2), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["survey", "import-instrument", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: /: " in result.output
    assert "respondent_group" in result.output
    result = runner.invoke(
        args=["survey", "import-instrument", str(path), "--respondent-group", "board", "--draft"]
    )
    assert result.exit_code == 0, result.output
    assert "board, draft (not published)" in result.output
    assert not stored(db_session).is_published
    result = runner.invoke(
        args=["survey", "import-instrument", str(path), "--respondent-group", "board"]
    )
    assert "unchanged" in result.output
    assert stored(db_session).is_published
    result = runner.invoke(
        args=["survey", "import-instrument", str(path), "--respondent-group", "staff"]
    )
    assert result.exit_code == 1  # published for the board: not changed to another group
    assert "ny version" in result.output
