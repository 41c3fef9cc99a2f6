"""Minutes: revisions, adjuster, approval, return, correction, items, sanitizing, mail."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.core.mail import OutboxMessage
from portal.meetings.models import MINUTES_MAX, Meeting, MinutesItemKind, MinutesStatus
from portal.meetings.services import minutes as service
from tests.conftest import post
from tests.html_forms import forms
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.sessions import sign_in


@pytest.fixture
def meeting(db_session: Any, mworld: MeetingWorld) -> Meeting:
    return make_meeting(db_session, mworld)


def user(db_session: Any, world: MeetingWorld, role: str) -> User:
    return db_session.get(User, world.user_ids[role])


def base(world: MeetingWorld, meeting: Meeting) -> str:
    return f"/a/{world.slug}/meetings/{meeting.id}/minutes"


def save(client: Any, url: str, data: dict[str, Any]) -> Any:
    """Post the minutes form as the browser would: based on the revision the page showed."""
    form = forms(client.get(url).get_data(as_text=True)).get(url)
    based_on = form.data()["base_revision"] if form is not None else "0"  # none to read
    return post(client, url, {"base_revision": based_on, **data})


def mail_to(db_session: Any, email: str) -> list[OutboxMessage]:
    return list(
        db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == email))
    )


def test_every_save_is_a_revision_and_any_two_compare(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    url = base(mworld, meeting)
    assert save(client, url, {"body": "# Möte\n\nRad ett\nRad två"}).status_code == 302
    assert save(client, url, {"body": "# Möte\n\nRad ett\nRad tre"}).status_code == 302
    assert save(client, url, {"body": "# Möte\n\nRad ett\nRad tre\nRad fyra"}).status_code == 302
    minutes = service.minutes_of(meeting)
    assert [r.number for r in minutes.revisions] == [1, 2, 3]
    assert all(r.author_id == mworld.user_ids["process_leader"] for r in minutes.revisions)
    html = client.get(f"{url}/compare?a=1&b=3").get_data(as_text=True)
    assert "<del>− Rad två</del>" in html
    assert "<ins>+ Rad tre</ins>" in html
    assert "<ins>+ Rad fyra</ins>" in html
    saves = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.save"))
    assert len(saves.all()) == 3


def test_script_and_html_in_markdown_are_rendered_safely(client, mworld, meeting):
    sign_in(client, mworld, "process_leader")
    url = base(mworld, meeting)
    body = (
        "**Viktigt** <script>alert('x')</script> <img src=x onerror=alert(1)>\n\n"
        '[länk](javascript:alert(1)) <a href="https://example.org" onclick="x()">ok</a>'
    )
    save(client, url, {"body": body})
    sign_in(client, mworld, "member")  # a reader: the page has no textarea with the source
    html = client.get(url).get_data(as_text=True)
    assert "<strong>Viktigt</strong>" in html
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "onclick" not in html


def test_preview_with_and_without_htmx_keeps_the_text(client, mworld, meeting):
    sign_in(client, mworld, "process_leader")
    url = base(mworld, meeting)
    fragment = post(client, f"{url}/preview", {"body": "## Rubrik"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<h5>Rubrik</h5>" in fragment.get_data(as_text=True)  # "##" below the h3 "Preview"
    assert "<!doctype" not in fragment.get_data(as_text=True)
    page = save(client, url, {"body": "## Rubrik", "preview": "1"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h5>Rubrik</h5>" in html
    assert "## Rubrik</textarea>" in html
    assert service.minutes_of(meeting) is None  # a preview saves nothing


def test_minutes_over_the_limit_are_refused_and_kept(client, mworld, meeting):
    sign_in(client, mworld, "process_leader")
    text = "x" * (MINUTES_MAX + 1)
    response = save(client, base(mworld, meeting), {"body": text})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert text in html


def test_adjuster_must_be_invited(mworld, meeting, db_session):
    leader = user(db_session, mworld, "process_leader")
    with pytest.raises(DomainError, match="kallade"):
        service.appoint_adjuster(leader, meeting, mworld.user_ids["other_group_member"])
    minutes = service.appoint_adjuster(leader, meeting, mworld.user_ids["member"])
    assert minutes.adjuster_id == mworld.user_ids["member"]


def prepare(db_session: Any, world: MeetingWorld, meeting: Meeting) -> None:
    leader = user(db_session, world, "process_leader")
    service.save_revision(
        leader, meeting, "# Minnesanteckningar\n\nVi beslutade att ses igen.", base=0
    )
    service.add_item(
        leader, meeting, service.ItemData(MinutesItemKind.DECISION, "Nästa möte i maj")
    )
    service.add_item(
        leader, meeting, service.ItemData(MinutesItemKind.FOLLOW_UP, "Bjuda in AF", "Lena")
    )
    service.appoint_adjuster(leader, meeting, world.user_ids["member"])
    db_session.commit()


def test_full_approval_flow_over_http(client, mworld, meeting, db_session):
    prepare(db_session, mworld, meeting)
    url = base(mworld, meeting)
    sign_in(client, mworld, "process_leader")
    assert post(client, f"{url}/submit").status_code == 302
    [notice] = mail_to(db_session, mworld.emails["member"])
    assert notice.subject.startswith("Minnesanteckningar för justering")
    # while with the adjuster, the leader cannot edit
    response = post(client, url, {"body": "ändrat", "base_revision": 1})
    assert response.status_code == 400
    assert "hos justeraren" in response.get_data(as_text=True)
    # someone else cannot approve
    assert post(client, f"{url}/approve").status_code == 404
    sign_in(client, mworld, "member")
    page = client.get(url).get_data(as_text=True)
    assert "Justera minnesanteckningarna" in page
    assert post(client, f"{url}/approve").status_code == 302
    minutes = service.minutes_of(meeting)
    assert minutes.status is MinutesStatus.APPROVED
    assert minutes.revisions[-1].approved_by_id == mworld.user_ids["member"]
    # mailed to everyone invited, with the decisions
    for role in ("process_leader", "member", "region_member"):
        mails = [m for m in mail_to(db_session, mworld.emails[role]) if "justerade" in m.body_text]
        assert len(mails) == 1, role
        assert "Nästa möte i maj" in mails[0].body_text
    # approving again is refused with a message
    response = post(client, f"{url}/approve", follow_redirects=True)
    assert "redan justerade" in response.get_data(as_text=True)
    html = client.get(f"{url}/print").get_data(as_text=True)
    assert "Justerade" in html
    assert "Vi beslutade att ses igen." in html


def test_return_with_comment(client, mworld, meeting, db_session):
    prepare(db_session, mworld, meeting)
    service.submit(user(db_session, mworld, "process_leader"), meeting)
    db_session.commit()
    sign_in(client, mworld, "member")
    url = base(mworld, meeting)
    empty = post(client, f"{url}/return", {"comment": "  "})
    assert empty.status_code == 400
    assert post(client, f"{url}/return", {"comment": "Lägg till närvaron."}).status_code == 302
    minutes = service.minutes_of(meeting)
    assert minutes.status is MinutesStatus.DRAFT
    assert minutes.return_comment == "Lägg till närvaron."
    [mail] = [
        m
        for m in mail_to(db_session, mworld.emails["process_leader"])
        if m.subject.startswith("Minnesanteckningar återsända")
    ]
    assert "Lägg till närvaron." in mail.body_text
    sign_in(client, mworld, "process_leader")
    assert "Lägg till närvaron." in client.get(url).get_data(as_text=True)


def test_approved_minutes_are_frozen_and_a_correction_is_marked(
    client, mworld, meeting, db_session
):
    prepare(db_session, mworld, meeting)
    leader = user(db_session, mworld, "process_leader")
    service.submit(leader, meeting)
    service.approve(user(db_session, mworld, "member"), meeting)
    db_session.commit()
    sign_in(client, mworld, "process_leader")
    url = base(mworld, meeting)
    in_place = save(client, url, {"body": "Smygändring"})
    assert in_place.status_code == 400
    assert "kan inte ändras direkt" in in_place.get_data(as_text=True)
    assert "Smygändring" in in_place.get_data(as_text=True)  # nothing typed is lost
    with pytest.raises(DomainError):
        service.add_item(leader, meeting, service.ItemData(MinutesItemKind.DECISION, "Nytt"))
    assert save(client, url, {"body": "Rättad text", "correction": "1"}).status_code == 302
    minutes = service.minutes_of(meeting)
    correction = minutes.revisions[-1]
    assert correction.is_correction
    assert correction.approved_at is None
    assert service.approved(minutes).number == 1  # members still read the approved text
    html = client.get(url).get_data(as_text=True)
    assert "Rättelse som väntar på justering" in html
    service.submit(leader, meeting)
    service.approve(user(db_session, mworld, "member"), meeting)
    assert service.approved(minutes) is correction
    mails = mail_to(db_session, mworld.emails["region_member"])
    assert any(m.subject.startswith("Rättade minnesanteckningar") for m in mails)


def test_service_refuses_out_of_order_steps(mworld, meeting, db_session):
    leader = user(db_session, mworld, "process_leader")
    member = user(db_session, mworld, "member")
    with pytest.raises(DomainError, match="Skriv minnesanteckningarna"):
        service.submit(leader, meeting)
    service.save_revision(leader, meeting, "Text", base=0)
    with pytest.raises(DomainError, match="Utse en justerare"):
        service.submit(leader, meeting)
    with pytest.raises(DomainError, match="inte skickats för justering"):
        service.approve(member, meeting)
    service.appoint_adjuster(leader, meeting, member.id)
    service.submit(leader, meeting)
    with pytest.raises(DomainError, match="Endast den utsedda justeraren"):
        service.approve(leader, meeting)
    with pytest.raises(DomainError, match="hos justeraren"):
        service.save_revision(leader, meeting, "Annan text", base=1)


def test_saving_the_same_text_again_is_refused(mworld, meeting, db_session):
    leader = user(db_session, mworld, "process_leader")
    service.save_revision(leader, meeting, "Text", base=0)
    with pytest.raises(DomainError, match="Inget har ändrats"):
        service.save_revision(leader, meeting, "Text", base=1)


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("admin", 200, 302),
        ("process_leader", 200, 302),
        ("member", 200, 404),
        ("board", 404, 404),
        ("other_group_member", 404, 404),
        ("registered", 404, 404),
        ("other_admin", 404, 404),
    ],
)
def test_who_reads_and_writes_minutes(client, mworld, meeting, role, read, write):
    sign_in(client, mworld, role)
    url = base(mworld, meeting)
    assert client.get(url).status_code == read
    assert client.get(f"{url}/print").status_code == read
    assert client.get(f"{url}/compare").status_code == read
    assert save(client, url, {"body": "Text"}).status_code == write
