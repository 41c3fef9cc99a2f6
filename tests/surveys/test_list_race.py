"""Two admins upload a round's respondent list at the same moment, on PostgreSQL with
real threads (each request its own connection): exactly one list is recorded, whole,
and the other upload is a conflict; the same list sent twice at once (a double click)
is recorded once and neither request fails."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.groups.services import today
from portal.organisations.models import Association
from portal.surveys import services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import ListEntry, RespondentGroup, SurveyRound
from tests.factories import Factory
from tests.html_forms import forms
from tests.support.sessions import sign_in_user
from tests.support.surveys import demo_text

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent transactions need PostgreSQL",
)

LISTS = {
    "a": "Sara Stab;sara.stab@example.org\nPer Personal;per@example.org\nIda I;ida@example.org",
    "b": "Olle Other;olle@example.org\nKarin Kurator;karin@example.org",
}


@pytest.fixture(autouse=True)
def _request_context(app: Any) -> None:
    """Overrides the package's fixture: these tests commit for real, on their own connections."""


@dataclass(frozen=True)
class ListRound:
    slug: str
    round_id: int
    admin_ids: tuple[int, int]


@pytest.fixture
def list_round(app: Any) -> Iterator[ListRound]:
    """A draft staff round (respondents from a list) of a new association with two
    admins, committed; removed afterwards."""
    with app.app_context(), app.test_request_context("/"):
        f = Factory(db.session)
        association = f.association()
        admins = (f.admin(association).id, f.admin(association).id)
        parsed = dataclasses.replace(parse_instrument(demo_text()), code="demo-staff-race")
        instrument, _ = services.import_instrument(None, parsed)
        instrument.respondent_group = RespondentGroup.STAFF
        day = today()
        survey_round = services.create_round(
            None,  # type: ignore[arg-type]
            association,
            services.RoundData(
                year=day.year,
                instrument_id=instrument.id,
                group_ids=[],
                opens_on=day,
                closes_on=min(day + dt.timedelta(days=14), dt.date(day.year, 12, 31)),
                min_answers=2,
                respondent_group=RespondentGroup.STAFF,
            ),
        )
        db.session.commit()
        built = ListRound(association.slug, survey_round.id, admins)
        association_id = association.id
        db.session.remove()
    yield built
    with app.app_context():
        session = db.session
        session.execute(sa.delete(SurveyRound).where(SurveyRound.association_id == association_id))
        session.execute(sa.delete(Association).where(Association.id == association_id))
        session.execute(sa.delete(User).where(User.id.in_(built.admin_ids)))
        session.execute(
            sa.text(
                "DELETE FROM survey_instruments"
                " WHERE id NOT IN (SELECT instrument_id FROM survey_rounds)"
            )
        )
        session.commit()
        session.remove()


def _at_once(
    app: Any, world: ListRound, texts: dict[str, str], user_ids: tuple[int, int]
) -> dict[str, int]:
    """Each user opens the list page, then all post their text at the same moment;
    the status each got."""
    path = f"/a/{world.slug}/surveys/{world.round_id}/list"
    opened: dict[str, tuple[Any, dict[str, Any]]] = {}
    for who, user_id in zip(texts, user_ids, strict=True):
        client = app.test_client()
        sign_in_user(client, user_id)
        page = client.get(path)
        assert page.status_code == 200
        opened[who] = client, dict(forms(page.get_data(as_text=True))[""].data())
    barrier = threading.Barrier(len(texts))
    statuses: dict[str, int] = {}

    def send(who: str) -> None:
        client, form = opened[who]
        barrier.wait()
        statuses[who] = client.post(path, data={**form, "respondents": texts[who]}).status_code

    threads = [threading.Thread(target=send, args=(who,)) for who in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _recorded(app: Any, round_id: int) -> tuple[list[str], int, int]:
    """The stored list (as lines), the uploads audited, and the round's version."""
    with app.app_context():
        entries = db.session.scalars(
            sa.select(ListEntry).where(ListEntry.round_id == round_id).order_by(ListEntry.line)
        ).all()
        audited = db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "survey_round.list", AuditEvent.object_id == round_id
            )
        )
        version = db.session.get(SurveyRound, round_id).lock_version  # type: ignore[union-attr]
        lines = [f"{e.name};{e.email}" for e in entries]
        db.session.remove()
    return lines, int(audited or 0), version


def test_two_lists_at_once_record_exactly_one(app, list_round) -> None:
    statuses = _at_once(app, list_round, LISTS, list_round.admin_ids)
    assert sorted(statuses.values()) == [302, 409], statuses
    winner = next(who for who, status in statuses.items() if status == 302)
    lines, audited, version = _recorded(app, list_round.round_id)
    assert lines == LISTS[winner].splitlines()  # whole, not mixed, not doubled
    assert audited == 1
    assert version == 2


def test_a_double_click_at_once_records_the_list_once(app, list_round) -> None:
    """One admin's page, the same list sent twice at once (two tabs, or a double click)."""
    admin = list_round.admin_ids[0]
    texts = {"first": LISTS["a"], "second": LISTS["a"]}
    statuses = _at_once(app, list_round, texts, (admin, admin))
    assert statuses == {"first": 302, "second": 302}
    lines, audited, version = _recorded(app, list_round.round_id)
    assert lines == LISTS["a"].splitlines()
    assert audited == 1
    assert version == 2
