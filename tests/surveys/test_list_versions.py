"""Two admins replace one round's respondent list: the list form carries the round's
version, so a list uploaded from a page opened before someone else's upload (or
settings save) is a conflict that keeps what was typed, never a silent overwrite."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.organisations.models import Association
from portal.surveys.models import ListEntry, RespondentGroup, SurveyRound
from tests.html_forms import forms
from tests.support.sessions import sign_in, sign_in_user
from tests.support.surveys import SurveyWorld
from tests.surveys.test_sources import STAFF_LIST, association_round

OTHER_LIST = "Olle Other;olle@example.org\nKarin Kurator;karin@example.org\n"


def opened(client: Any, path: str) -> dict[str, Any]:
    """Open the page and read its form (no action: it posts to itself) as a browser would."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return dict(forms(page.get_data(as_text=True))[""].data())


def upload(client: Any, path: str, form: dict[str, Any], text: str) -> Any:
    return client.post(path, data={**form, "respondents": text})


def stored(db_session: Any, round_id: int) -> list[tuple[str, str]]:
    db_session.expire_all()
    return [
        (e.name, e.email)
        for e in db_session.scalars(
            sa.select(ListEntry).where(ListEntry.round_id == round_id).order_by(ListEntry.line)
        )
    ]


def uploads_recorded(db_session: Any, round_id: int) -> int:
    return int(
        db_session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "survey_round.list", AuditEvent.object_id == round_id
            )
        )
        or 0
    )


def two_admins(app: Any, sworld: SurveyWorld, db_session: Any, f: Any) -> tuple[Any, Any]:
    """The world's admin and a second admin of the same association, each signed in."""
    association = db_session.get(Association, sworld.association_id)
    second = f.admin(association, name="Andra Admin")
    db_session.commit()
    a, b = app.test_client(), app.test_client()
    sign_in(a, sworld, "admin")
    sign_in_user(b, second.id)
    return a, b


def list_round(db_session: Any, sworld: SurveyWorld, **kwargs: Any) -> SurveyRound:
    return association_round(db_session, sworld, RespondentGroup.STAFF, open_it=False, **kwargs)


def test_the_second_of_two_uploads_gets_the_conflict_and_keeps_its_text(
    app, sworld, db_session, f
) -> None:
    a, b = two_admins(app, sworld, db_session, f)
    survey_round = list_round(db_session, sworld)
    path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    version = survey_round.lock_version
    form_a, form_b = opened(a, path), opened(b, path)
    assert form_a["lock_version"] == form_b["lock_version"] == str(version)

    first = upload(a, path, form_a, STAFF_LIST)
    second = upload(b, path, form_b, OTHER_LIST)

    assert first.status_code == 302
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert 'class="conflict' in page
    assert 'role="alert"' in page
    assert "Någon annan sparade" in page  # the portal's conflict message
    assert "Den sparade listan har nu 3 svarande." in page
    assert "sara.stab@example.org" in page  # the stored list's lines, to compare
    textarea = page.split("<textarea", 1)[1].split("</textarea>", 1)[0]
    assert "Olle Other;olle@example.org" in textarea  # kept in the form
    assert "Karin Kurator;karin@example.org" in textarea
    assert stored(db_session, survey_round.id) == [
        ("Sara Stab", "sara.stab@example.org"),
        ("Per Personal", "per@example.org"),
        ("Ida Insats", "ida@example.org"),
    ]
    assert uploads_recorded(db_session, survey_round.id) == 1

    # Having read both, the second admin saves again: the form now carries the version
    # stored, so this replaces the list on purpose.
    again = forms(page)[""].data()
    assert again["lock_version"] == str(version + 1)
    assert upload(b, path, dict(again), OTHER_LIST).status_code == 302
    assert stored(db_session, survey_round.id) == [
        ("Olle Other", "olle@example.org"),
        ("Karin Kurator", "karin@example.org"),
    ]


def test_a_double_submit_of_the_same_list_is_saved_once(app, sworld, db_session, f) -> None:
    """The second request of a double click carries the same version and text: it is
    not an error (nothing would be lost), and it records nothing more."""
    a, _b = two_admins(app, sworld, db_session, f)
    survey_round = list_round(db_session, sworld)
    version = survey_round.lock_version
    path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    form = opened(a, path)
    assert upload(a, path, form, STAFF_LIST).status_code == 302
    repeated = upload(a, path, form, STAFF_LIST)
    assert repeated.status_code == 302
    assert len(stored(db_session, survey_round.id)) == 3
    assert uploads_recorded(db_session, survey_round.id) == 1
    assert db_session.get(SurveyRound, survey_round.id).lock_version == version + 1
    # The same stale version with a different list is a conflict, not a quiet replace.
    assert upload(a, path, form, OTHER_LIST).status_code == 409
    assert len(stored(db_session, survey_round.id)) == 3


def test_a_settings_save_from_before_an_upload_is_refused(app, sworld, db_session, f) -> None:
    a, b = two_admins(app, sworld, db_session, f)
    survey_round = list_round(db_session, sworld)
    list_path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    edit_path = f"/a/{sworld.slug}/surveys/{survey_round.id}/edit"
    settings = opened(b, edit_path)
    assert upload(a, list_path, opened(a, list_path), STAFF_LIST).status_code == 302
    refused = b.post(edit_path, data={**settings, "min_answers": "7"})
    assert refused.status_code == 409
    assert 'class="conflict' in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(SurveyRound, survey_round.id).min_answers == 2
    assert len(stored(db_session, survey_round.id)) == 3


def test_an_upload_from_before_a_settings_save_is_refused(app, sworld, db_session, f) -> None:
    a, b = two_admins(app, sworld, db_session, f)
    survey_round = list_round(db_session, sworld, respondents=STAFF_LIST)
    list_path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    edit_path = f"/a/{sworld.slug}/surveys/{survey_round.id}/edit"
    form = opened(a, list_path)
    saved = b.post(edit_path, data={**opened(b, edit_path), "min_answers": "7"})
    assert saved.status_code == 302
    refused = upload(a, list_path, form, OTHER_LIST)
    assert refused.status_code == 409
    assert "Olle Other;olle@example.org" in refused.get_data(as_text=True)
    assert len(stored(db_session, survey_round.id)) == 3


def test_another_rounds_version_does_not_open_the_lock(app, sworld, db_session, f) -> None:
    """The version is compared with the round in the address (loaded through its
    association), whatever form it was copied from; a round of another association
    cannot be reached at all."""
    a, b = two_admins(app, sworld, db_session, f)
    survey_round = list_round(db_session, sworld)
    later = association_round(db_session, sworld, RespondentGroup.REFERRERS, open_it=False)
    path = f"/a/{sworld.slug}/surveys/{survey_round.id}/list"
    later_path = f"/a/{sworld.slug}/surveys/{later.id}/list"
    stale = opened(a, path)
    assert upload(b, path, opened(b, path), STAFF_LIST).status_code == 302  # now version 2
    for text in (OTHER_LIST, STAFF_LIST):  # the later round: version 3
        assert upload(b, later_path, opened(b, later_path), text).status_code == 302
    borrowed = opened(a, later_path)["lock_version"]
    assert borrowed != stale["lock_version"]
    for version, status in ((borrowed, 409), ("", 400), ("x", 400), ("99999999999", 400)):
        refused = upload(a, path, {**stale, "lock_version": version}, "X;x@example.org")
        assert refused.status_code == status, version
        assert "X;x@example.org" in refused.get_data(as_text=True)
    missing = {k: v for k, v in stale.items() if k != "lock_version"}
    assert upload(a, path, missing, "X;x@example.org").status_code == 400
    assert len(stored(db_session, survey_round.id)) == 3

    other = db_session.scalar(sa.select(Association).where(Association.id != sworld.association_id))
    sign_in(a, sworld, "other_admin")  # an admin, of another association
    for address in (path, f"/a/{other.slug}/surveys/{survey_round.id}/list"):
        assert upload(a, address, stale, "X;x@example.org").status_code in (403, 404)
    assert len(stored(db_session, survey_round.id)) == 3
