"""Publishing on PostgreSQL with real connections: two publishes at once record one, and
a publish racing a re-upload never publishes wording the admin did not see."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.surveys import services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Instrument, RespondentGroup
from tests.conftest import csrf_token, put_session
from tests.factories import Factory
from tests.support.surveys import demo_text

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent transactions need PostgreSQL",
)
PAGE = "/platform/instruments"
CODE = "concurrency-test"


@pytest.fixture(autouse=True)
def _request_context(app: Any) -> None:
    """Overrides the package's fixture: these tests commit for real, on their own connections."""


def _doc(title: str) -> dict[str, Any]:
    doc = json.loads(demo_text())
    doc.update(code=CODE, version="1", respondent_group="board", title=title)
    return doc


@dataclass(frozen=True)
class Draft:
    instrument_id: int
    admin_ids: tuple[int, int]


@pytest.fixture
def draft(app: Any) -> Iterator[Draft]:
    """A draft board version and two platform admins, committed; removed afterwards."""
    with app.app_context(), app.test_request_context("/"):
        f = Factory(db.session)
        admins = (f.user(platform_admin=True), f.user(platform_admin=True))
        instrument, _ = services.import_instrument(
            None, parse_instrument(json.dumps(_doc("Utkast"))), publish=False
        )
        db.session.commit()
        made = Draft(instrument.id, (admins[0].id, admins[1].id))
        db.session.remove()
    yield made
    with app.app_context():
        db.session.execute(
            sa.delete(AuditEvent).where(
                AuditEvent.actor_id.in_(made.admin_ids)
                | (
                    (AuditEvent.object_type == "Instrument")
                    & (AuditEvent.object_id == made.instrument_id)
                )
            )
        )
        db.session.execute(sa.delete(Instrument).where(Instrument.code == CODE))
        db.session.execute(sa.delete(User).where(User.id.in_(made.admin_ids)))
        db.session.commit()
        db.session.remove()


def _client(app: Any, user_id: int) -> Any:
    client = app.test_client()
    put_session(client, user_id)
    return client


def at_once(*jobs: Callable[[], None]) -> None:
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def _state(app: Any) -> tuple[Instrument, int]:
    with app.app_context():
        instrument = db.session.scalar(sa.select(Instrument).where(Instrument.code == CODE))
        assert instrument is not None
        db.session.expunge(instrument)
        published = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "survey_instrument.publish")
            .where(AuditEvent.object_id == instrument.id)
        )
        db.session.remove()
    return instrument, int(published or 0)


def test_two_publishes_at_once_record_one(app, draft) -> None:
    statuses: list[int] = []

    def publish(user_id: int) -> Callable[[], None]:
        client = _client(app, user_id)
        token = csrf_token(client, PAGE)
        url = f"{PAGE}/{draft.instrument_id}/publish"
        return lambda: statuses.append(
            client.post(url, data={"csrf_token": token, "lock_version": "1"}).status_code
        )

    at_once(publish(draft.admin_ids[0]), publish(draft.admin_ids[1]))
    assert statuses == [302, 302]
    instrument, publish_events = _state(app)
    assert instrument.is_published
    assert publish_events == 1


def test_a_publish_racing_a_reupload_publishes_only_what_was_seen(app, draft) -> None:
    statuses: dict[str, int] = {}
    publisher, uploader = (_client(app, user_id) for user_id in draft.admin_ids)
    publish_token, upload_token = csrf_token(publisher, PAGE), csrf_token(uploader, PAGE)
    corrected = json.dumps(_doc("Rättad"))

    def publish() -> None:
        url = f"{PAGE}/{draft.instrument_id}/publish"
        data = {"csrf_token": publish_token, "lock_version": "1"}
        statuses["publish"] = publisher.post(url, data=data).status_code

    def upload() -> None:
        data = {
            "csrf_token": upload_token,
            "respondent_group": RespondentGroup.BOARD.value,
            "file": (io.BytesIO(corrected.encode()), "instrument.json"),
        }
        response = uploader.post(PAGE, data=data, content_type="multipart/form-data")
        statuses["upload"] = response.status_code

    at_once(publish, upload)
    instrument, publish_events = _state(app)
    if statuses["publish"] == 302:  # the publish went first: the upload is refused
        assert statuses["upload"] == 400, statuses
        assert (instrument.title, instrument.is_published, publish_events) == ("Utkast", True, 1)
    else:  # the upload went first: publishing the version seen is a conflict
        assert statuses == {"publish": 409, "upload": 302}
        assert (instrument.title, instrument.is_published, publish_events) == ("Rättad", False, 0)
