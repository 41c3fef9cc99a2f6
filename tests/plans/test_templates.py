"""The plan template: drafts, publishing, immutability (service and database), comparing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.organisations.models import Association
from portal.plans.models import FieldKind, TemplateField, TemplateSection, TemplateVersion
from portal.plans.services import templates
from portal.plans.services.compare import Change, compare
from portal.plans.services.templates import FieldData, SectionData
from tests.conftest import post
from tests.support.sessions import sign_in


def _association(db_session, pworld):
    return db_session.get(Association, pworld.association_id)


def test_a_draft_copies_the_published_version_with_the_same_keys(pworld, db_session):
    association = _association(db_session, pworld)
    v1 = db_session.get(TemplateVersion, pworld.version_id)
    draft = templates.start_draft(None, association)
    assert draft.number == 2
    assert draft.is_draft
    assert [f.key for f in draft.fields()] == [f.key for f in v1.fields()]
    assert [f.id for f in draft.fields()] != [f.id for f in v1.fields()]
    with pytest.raises(DomainError):
        templates.start_draft(None, association)


def test_publishing_a_second_version_needs_a_change_note(pworld, db_session):
    association = _association(db_session, pworld)
    draft = templates.start_draft(None, association)
    with pytest.raises(DomainError) as error:
        templates.publish(None, draft, "  ")
    assert error.value.field == "change_note"
    templates.publish(None, draft, "Nytt avsnitt om brukarperspektiv")
    assert templates.current_version(association).id == draft.id
    assert draft.published_at is not None
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.association_id == association.id)
    ).all()
    assert "template.publish" in actions


def test_an_empty_draft_cannot_be_published(f, db_session):
    association = f.association()
    draft = templates.start_draft(None, association)
    with pytest.raises(DomainError):
        templates.publish(None, draft, "")


def test_a_locked_text_field_needs_wording(pworld, db_session):
    draft = templates.start_draft(None, _association(db_session, pworld))
    with pytest.raises(DomainError) as error:
        templates.add_field(None, draft.sections[0], FieldData("Lås", FieldKind.TEXT, locked=True))
    assert error.value.field == "wording"


def test_the_services_refuse_to_change_a_published_version(pworld, db_session):
    v1 = db_session.get(TemplateVersion, pworld.version_id)
    section = v1.sections[0]
    field = section.fields[0]
    attempts = [
        lambda: templates.add_section(None, v1, SectionData("X")),
        lambda: templates.update_section(None, section, SectionData("X"), section.lock_version),
        lambda: templates.delete_section(None, section),
        lambda: templates.add_field(None, section, FieldData("X", FieldKind.TEXT)),
        lambda: templates.update_field(
            None, field, FieldData("X", FieldKind.TEXT), field.lock_version
        ),
        lambda: templates.delete_field(None, field),
        lambda: templates.move_section(None, section, 1),
        lambda: templates.publish(None, v1, "igen"),
    ]
    with pytest.raises(DomainError) as refusal:
        templates.require_draft(v1)
    for attempt in attempts:
        with pytest.raises(DomainError) as error:
            attempt()
        assert error.value.message == refusal.value.message


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE template_versions SET change_note = 'x' WHERE id = :version",
        "UPDATE template_sections SET title = 'x' WHERE version_id = :version",
        (
            "UPDATE template_fields SET wording = 'x' WHERE section_id IN "
            "(SELECT id FROM template_sections WHERE version_id = :version)"
        ),
        (
            "INSERT INTO template_sections (version_id, key, position, title, guidance) "
            "VALUES (:version, 'k', 9, 't', '')"
        ),
    ],
)
def test_the_database_refuses_to_change_a_published_version(pworld, db_session, statement):
    with pytest.raises(sa.exc.DatabaseError, match="immutable"), db_session.begin_nested():
        db_session.execute(sa.text(statement), {"version": pworld.version_id})


def test_the_database_lets_a_draft_change(pworld, db_session):
    draft = templates.start_draft(None, _association(db_session, pworld))
    db_session.flush()
    db_session.execute(
        sa.text("UPDATE template_sections SET title = 'ny' WHERE version_id = :v"),
        {"v": draft.id},
    )


def _v2(db_session, pworld):
    """Version 2: purpose reworded, local conditions removed, a new section added."""
    association = _association(db_session, pworld)
    draft = templates.start_draft(None, association)
    purpose = draft.sections[0].fields[0]
    templates.update_field(
        None,
        purpose,
        FieldData(
            "Syfte", FieldKind.TEXT, locked=True, wording="Mysam stärker samverkan ännu mer."
        ),
        purpose.lock_version,
    )
    templates.delete_section(None, draft.sections[1])
    user = templates.add_section(None, draft, SectionData("Brukarperspektiv"))
    templates.add_field(None, user, FieldData("Hur involveras brukare?", FieldKind.TEXT))
    templates.move_section(None, user, -1)
    templates.publish(None, draft, "Brukarperspektiv tillagt")
    return draft


def test_compare_matches_sections_and_fields_by_key(pworld, db_session):
    v1 = db_session.get(TemplateVersion, pworld.version_id)
    v2 = _v2(db_session, pworld)
    diff = compare(v1, v2)
    by_title = {s.title: s for s in diff.sections}
    assert by_title["Syfte och omfattning"].change is Change.SAME
    [purpose] = by_title["Syfte och omfattning"].fields
    assert purpose.change is Change.CHANGED
    assert purpose.changed == ("wording",)
    assert by_title["Lokala förutsättningar"].change is Change.REMOVED
    assert by_title["Lokala förutsättningar"].fields[0].change is Change.REMOVED
    assert by_title["Brukarperspektiv"].change is Change.ADDED
    assert by_title["Resultatmål"].fields[0].change is Change.SAME
    assert diff.has_changes
    assert not compare(v2, v2).has_changes


def test_admin_builds_and_publishes_a_draft_through_the_pages(client, pworld, db_session):
    sign_in(client, pworld, "admin")
    slug = pworld.slug
    index = f"/a/{slug}/plan-template"
    assert post(client, f"{index}/draft", token_page=index).status_code == 302
    draft = db_session.scalar(sa.select(TemplateVersion).where(TemplateVersion.status == "draft"))
    page = f"{index}/versions/{draft.id}"
    response = post(client, f"{page}/sections", {"title": "Uppföljning"}, token_page=page)
    assert response.status_code == 302
    section = db_session.scalar(
        sa.select(TemplateSection).where(
            TemplateSection.version_id == draft.id, TemplateSection.title == "Uppföljning"
        )
    )
    add = f"{index}/sections/{section.id}/fields"
    data = {"label": "Hur följer ni upp?", "kind": "text", "guidance": "*Kort*"}
    assert post(client, add, data, token_page=add).status_code == 302
    response = post(client, f"{page}/publish", {"change_note": ""}, token_page=page)
    assert response.status_code == 400
    assert "change note" in response.get_data(as_text=True).lower() or "ändringsnotering" in (
        response.get_data(as_text=True).lower()
    )
    response = post(client, f"{page}/publish", {"change_note": "Uppföljning"}, token_page=page)
    assert response.status_code == 302
    compare_page = client.get(f"{index}/compare?old={pworld.version_id}&new={draft.id}")
    assert compare_page.status_code == 200
    assert "Hur följer ni upp?" in compare_page.get_data(as_text=True)


def test_editing_a_published_field_is_refused_and_keeps_the_typed_text(client, pworld, db_session):
    sign_in(client, pworld, "admin")
    field = db_session.scalar(
        sa.select(TemplateField)
        .join(TemplateSection)
        .where(
            TemplateSection.version_id == pworld.version_id,
            # Named, not the first row: PostgreSQL gives rows in no fixed order.
            TemplateField.wording == "Mysam stärker samverkan.",
        )
    )
    url = f"/a/{pworld.slug}/plan-template/fields/{field.id}/edit"
    data = {"label": "Ny etikett", "kind": "text", "locked": "y", "wording": "Min nya lydelse"}
    response = post(client, url, data, token_page=url)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert "Min nya lydelse" in body
    db_session.refresh(field)
    assert field.wording == "Mysam stärker samverkan."


def test_the_markdown_is_sanitized(pworld, db_session):
    from portal.core.markdown import render

    html = render("**fet** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>fet</strong>" in html
    assert "<script>" not in html
    assert "javascript:" not in html
