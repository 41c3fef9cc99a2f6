"""A save that does not say which version it was made from is refused (400), never taken
as current: every edit form of the concurrency module, posted without its version
field, changes nothing; so do the empty posts of issue 16 (an activity's progress, a
plan text)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.meetings.models import AttendanceStatus, Invitee, MinutesRevision
from portal.plans.models import Activity, PlanText
from tests.conftest import put_session
from tests.html_forms import forms
from tests.support.edit_world import SPECS, World

VERSION_FIELDS = ("lock_version", "base_revision", "seen_")


def _signed_in(client: Any, eworld: World) -> Any:
    put_session(client, eworld.a)
    return client


def _csrf(client: Any) -> str:
    page = client.get("/").get_data(as_text=True)
    return forms(page)["/logout"].data()["csrf_token"]  # type: ignore[return-value]


def test_a_save_without_its_version_is_refused(client, eworld) -> None:
    """Every edit form of the concurrency module (one world for all: each refused save
    leaves it as it was)."""
    _signed_in(client, eworld)
    for name, spec in SPECS.items():
        page = client.get(spec.page(eworld)).get_data(as_text=True)
        action = spec.form(eworld)
        found = forms(page)
        form = found.get(action) or found.get(action.split("?")[0]) or found[""]
        field, value = spec.edit(eworld, "a")
        data = {k: v for k, v in form.data().items() if not k.startswith(VERSION_FIELDS)}
        data[field] = value if field != "agenda" else f"{data.get('agenda', '')}\n{value}"
        before = spec.stored(eworld, field)
        response = client.post(form.action or action, data=data)
        assert response.status_code == 400, (name, response.status_code)
        assert "version" in response.get_data(as_text=True).lower(), name  # says why
        db.session.expire_all()
        assert spec.stored(eworld, field) == before, name


def _activity(eworld: World) -> tuple[object, ...]:
    activity = db.session.get(Activity, eworld.activity_id)
    assert activity is not None
    return (activity.status, activity.outcome, activity.lock_version)


def _text(eworld: World) -> tuple[object, ...]:
    return tuple(
        db.session.execute(
            sa.select(PlanText.body, PlanText.lock_version).where(
                PlanText.plan_id == eworld.plan_id, PlanText.field_key == eworld.text_key
            )
        ).one()
    )


def _minutes(eworld: World) -> tuple[object, ...]:
    return tuple(
        db.session.scalars(
            sa.select(MinutesRevision.number).where(
                MinutesRevision.minutes.has(meeting_id=eworld.meeting_id)
            )
        )
    )


def _attendance(eworld: World) -> tuple[object, ...]:
    return tuple(
        db.session.scalars(sa.select(Invitee.status).where(Invitee.meeting_id == eworld.meeting_id))
    )


EMPTY_POSTS = {
    "activity progress": (
        "/a/{w.slug}/plans/{w.plan_id}/activities/{w.activity_id}/progress",
        _activity,
    ),
    "plan text": ("/a/{w.slug}/plans/{w.plan_id}/texts/{w.text_key}", _text),
    "minutes": ("/a/{w.slug}/meetings/{w.meeting_id}/minutes", _minutes),
    "attendance": ("/a/{w.slug}/meetings/{w.meeting_id}/attendance", _attendance),
}


@pytest.mark.parametrize("name", list(EMPTY_POSTS))
def test_an_empty_post_changes_nothing(client, eworld, name) -> None:
    """Before, an empty post to the progress route reset the activity's status, and one
    to a plan text emptied it."""
    url, state = EMPTY_POSTS[name]
    _signed_in(client, eworld)
    before = state(eworld)
    response = client.post(url.format(w=eworld), data={"csrf_token": _csrf(client)})
    # The grid posts only rows that were chosen: none is "nothing changed", said so.
    assert response.status_code == (302 if name == "attendance" else 400)
    db.session.expire_all()
    assert state(eworld) == before


def test_enum_values_of_only_spaces_are_a_400_with_the_forms_message(client, eworld) -> None:
    """Issue 16, finding 6: an attendance status of spaces was a ValueError (500)."""
    _signed_in(client, eworld)
    row = eworld.rows[0]
    grid = client.post(
        f"/a/{eworld.slug}/meetings/{eworld.meeting_id}/attendance",
        data={"csrf_token": _csrf(client), f"status_{row}": "   ", f"seen_{row}": "absent"},
    )
    assert grid.status_code == 400
    assert "Välj närvarande, frånvarande eller anmält förhinder" in grid.get_data(as_text=True)
    link = client.post(
        f"/a/{eworld.slug}/meetings/{eworld.meeting_id}/minutes/items/{eworld.item_id}/activity",
        data={
            "csrf_token": _csrf(client),
            f"item-{eworld.item_id}-activity_id": eworld.activity_id,
            f"item-{eworld.item_id}-status": "   ",
        },
    )
    assert link.status_code == 400
    db.session.expire_all()
    assert _attendance(eworld) == (AttendanceStatus.ABSENT,) * len(eworld.rows)
