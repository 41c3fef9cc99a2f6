"""Attaching files to meetings, minutes and plans: checked from their content, limited in
size, downloaded only by those who may read the meeting, removed with it, audited."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.core.audit import AuditEvent
from portal.core.mail import OutboxMessage
from portal.documents.models import Document, DocumentContent, DocumentSection
from portal.meetings.models import Meeting
from portal.meetings.services import meetings as meeting_services
from tests.conftest import csrf_token
from tests.documents.conftest import PDF_BYTES, PNG_BYTES, make_meeting, odf
from tests.support.sessions import sign_in


def upload(client: Any, url: str, data: bytes, name: str, title: str = "Dagordning") -> Any:
    token = csrf_token(client, url)
    # Encoded here, in memory: the test client would spool a large body to a temporary
    # file that it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": token, "title": title, "file": FileStorage(io.BytesIO(data), name)}
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def documents(db_session: Any) -> list[Document]:
    return list(db_session.scalars(sa.select(Document).order_by(Document.id)))


@pytest.fixture
def meeting(db_session, mworld) -> Meeting:
    return make_meeting(db_session, mworld)


def upload_url(mworld, meeting, section: str = "") -> str:
    middle = "/minutes" if section == "minutes" else ""
    return f"/a/{mworld.slug}/meetings/{meeting.id}{middle}/documents/new"


def test_leader_attaches_an_agenda_that_members_download(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    response = upload(client, upload_url(mworld, meeting), PDF_BYTES, "Dagordning mars.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    [document] = documents(db_session)
    assert (document.section, document.content_type) == (DocumentSection.MEETING, "application/pdf")
    assert (document.filename, document.size) == ("Dagordning mars.pdf", len(PDF_BYTES))
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "document.upload"))
    assert event is not None
    assert event.association_id == mworld.association_id

    sign_in(client, mworld, "member")
    page = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}").get_data(as_text=True)
    link = f"/a/{mworld.slug}/documents/{document.id}"
    assert link in page
    assert "Dagordning" in page
    assert "/documents/new" not in page  # a member may not attach
    response = client.get(link)
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Dagordning mars.pdf', safe='')}" in disposition
    assert 'filename="Dagordning-mars.pdf"' in disposition


def test_a_name_that_lies_about_the_type_is_refused_and_the_title_kept(
    client, mworld, meeting, db_session
):
    sign_in(client, mworld, "process_leader")
    url = upload_url(mworld, meeting)
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    response = upload(client, url, html, "dagordning.pdf", title="Min titel")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "inte en PDF-, Office-, OpenDocument- eller bildfil" in page
    assert 'value="Min titel"' in page
    # A real PNG with a .pdf name: the name says one thing, the bytes another.
    response = upload(client, url, PNG_BYTES, "dagordning.pdf", title="Bild")
    assert response.status_code == 400
    assert ".png" in response.get_data(as_text=True)
    assert documents(db_session) == []


def test_an_oversized_file_is_refused_and_the_form_keeps_the_title(
    app, client, mworld, meeting, db_session, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_MB", 1)
    sign_in(client, mworld, "process_leader")
    url = upload_url(mworld, meeting)
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = upload(client, url, big, "stor.pdf", title="Presentation Region Gävleborg")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "största fil som tas emot är 1 MB" in page
    assert 'value="Presentation Region Gävleborg"' in page
    assert documents(db_session) == []


def test_a_body_far_over_the_limit_is_refused_unread(app, client, mworld, meeting, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_MB", 1)
    sign_in(client, mworld, "process_leader")
    url = upload_url(mworld, meeting)
    response = upload(client, url, PDF_BYTES + b"0" * (2 * 1024 * 1024), "enorm.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Filen är för stor" in page
    assert f'href="{url}"' in page


@pytest.mark.parametrize(
    "role", ["other_admin", "other_group_member", "board", "registered", "former"]
)
def test_outsiders_get_404_for_the_download(client, mworld, meeting, db_session, role):
    sign_in(client, mworld, "process_leader")
    upload(client, upload_url(mworld, meeting), PDF_BYTES, "a.pdf")
    [document] = documents(db_session)
    sign_in(client, mworld, role)
    assert client.get(f"/a/{mworld.slug}/documents/{document.id}").status_code == 404


def test_another_associations_address_does_not_reach_the_document(
    client, mworld, meeting, db_session, f
):
    sign_in(client, mworld, "process_leader")
    upload(client, upload_url(mworld, meeting), PDF_BYTES, "a.pdf")
    [document] = documents(db_session)
    other = f.association()
    admin = f.admin(other)
    db_session.commit()
    from tests.support.sessions import sign_in_user

    sign_in_user(client, admin.id)
    assert client.get(f"/a/{other.slug}/documents/{document.id}").status_code == 404


@pytest.mark.parametrize("role", ["member", "board", "other_admin"])
def test_only_those_who_run_the_meeting_may_attach(client, mworld, meeting, role):
    sign_in(client, mworld, role)
    assert client.get(upload_url(mworld, meeting)).status_code == 404


def test_documents_go_with_their_meeting(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    upload(client, upload_url(mworld, meeting), PDF_BYTES, "a.pdf")
    upload(client, upload_url(mworld, meeting, "minutes"), PNG_BYTES, "bild.png")
    assert [d.section for d in documents(db_session)] == [
        DocumentSection.MEETING,
        DocumentSection.MINUTES,
    ]
    db_session.execute(sa.delete(Meeting).where(Meeting.id == meeting.id))
    db_session.commit()
    assert documents(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(DocumentContent)) == 0


def test_removing_asks_first_and_is_audited(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    upload(client, upload_url(mworld, meeting, "minutes"), PDF_BYTES, "bilaga.pdf", "Bilaga 1")
    [document] = documents(db_session)
    minutes_page = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}/minutes")
    assert "Bilaga 1" in minutes_page.get_data(as_text=True)
    url = f"/a/{mworld.slug}/documents/{document.id}/delete"
    sign_in(client, mworld, "member")
    assert client.get(url).status_code == 404
    sign_in(client, mworld, "process_leader")
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Bilaga 1" in confirm.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/minutes")
    assert documents(db_session) == []
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "document.delete"))


def test_the_notice_lists_the_meetings_documents_as_links(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    upload(client, upload_url(mworld, meeting), PDF_BYTES, "dagordning.pdf", "Dagordning")
    [document] = documents(db_session)
    leader = db_session.get(Meeting, meeting.id)
    meeting_services.send_notice(None, leader)  # type: ignore[arg-type]
    db_session.commit()
    bodies = [m.body_text for m in db_session.scalars(sa.select(OutboxMessage))]
    assert bodies
    link = f"/a/{mworld.slug}/documents/{document.id}"
    assert all("Dagordning (dagordning.pdf): http" in b and link in b for b in bodies)


def test_directory_storage_keeps_the_bytes_in_files(
    app, client, mworld, meeting, db_session, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "DOCUMENT_STORAGE", "directory")
    monkeypatch.setitem(app.config, "DOCUMENT_DIRECTORY", str(tmp_path))
    sign_in(client, mworld, "process_leader")
    upload(client, upload_url(mworld, meeting), PDF_BYTES, "a.pdf")
    [document] = documents(db_session)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(DocumentContent)) == 0
    assert (tmp_path / document.sha256[:2] / document.sha256).read_bytes() == PDF_BYTES
    assert client.get(f"/a/{mworld.slug}/documents/{document.id}").data == PDF_BYTES


@pytest.fixture
def plan_id(app, db_session, mworld) -> int:
    from portal.groups.models import Group
    from portal.plans.services import plans
    from tests.support.plans import build_template

    with app.test_request_context("/"):
        group = db_session.get(Group, mworld.group_id)
        build_template(group.association)
        plan = plans.create_plan(None, group, 2025, plans.Source.TEMPLATE)
        db_session.commit()
        return plan.id


def test_a_plan_takes_an_opendocument_file_that_its_readers_download(
    client, mworld, plan_id, db_session
):
    url = f"/a/{mworld.slug}/plans/{plan_id}/documents/new"
    sign_in(client, mworld, "member")
    assert client.get(url).status_code == 404  # members read plans, leaders edit them
    sign_in(client, mworld, "process_leader")
    spreadsheet = odf("application/vnd.oasis.opendocument.spreadsheet")
    response = upload(client, url, spreadsheet, "Budget 2025.ods", "Budget")
    assert response.headers["Location"].endswith(f"/plans/{plan_id}")
    [document] = documents(db_session)
    assert (document.section, document.plan_id, document.meeting_id) == (
        DocumentSection.PLAN,
        plan_id,
        None,
    )
    assert document.content_type == "application/vnd.oasis.opendocument.spreadsheet"
    page = client.get(f"/a/{mworld.slug}/plans/{plan_id}").get_data(as_text=True)
    assert f"/a/{mworld.slug}/documents/{document.id}" in page
    for role, status in (("member", 200), ("board", 200), ("other_admin", 404)):
        sign_in(client, mworld, role)
        response = client.get(f"/a/{mworld.slug}/documents/{document.id}")
        assert response.status_code == status, role
    sign_in(client, mworld, "board")
    assert client.get(f"/a/{mworld.slug}/documents/{document.id}").data == spreadsheet
