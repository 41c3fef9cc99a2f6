"""Platform administration: associations, their first administrators, platform mail and log."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.mail import MailStatus, OutboxMessage, queue_mail
from portal.organisations.models import Association, AssociationRole, AssociationRoleName
from tests.conftest import login, post


def _platform_admin(client, f):
    admin = f.user(platform_admin=True)
    login(client, admin.email)
    return admin


def test_create_edit_and_appoint_an_admin(client, f, db_session):
    _platform_admin(client, f)
    response = post(
        client,
        "/platform/associations/new",
        {"name": "Samordningsförbundet Exempel", "slug": "exempel", "min_survey_answers": "4"},
    )
    assert response.status_code == 302
    association = db_session.scalar(sa.select(Association).where(Association.slug == "exempel"))
    assert association is not None
    assert association.min_survey_answers == 4

    response = post(
        client,
        f"/platform/associations/{association.id}",
        {
            "name": "Samordningsförbundet Exempel Nord",
            "slug": "exempel-nord",
            "min_survey_answers": "3",
            "lock_version": association.lock_version,
        },
    )
    assert response.status_code == 302
    db_session.refresh(association)
    assert association.slug == "exempel-nord"

    response = post(
        client,
        f"/platform/associations/{association.id}/admins",
        {"admin-name": "Ada Admin", "admin-email": "Ada@Example.org"},
    )
    assert response.status_code == 302
    role = db_session.scalar(
        sa.select(AssociationRole).where(AssociationRole.association_id == association.id)
    )
    assert role is not None
    assert role.role is AssociationRoleName.ADMIN
    assert role.user.email == "ada@example.org"
    invite = db_session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "ada@example.org")
    )
    assert invite is not None
    assert "/password/set/" in invite.body_text
    actions = set(
        db_session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.association_id == association.id)
        )
    )
    assert {"association.create", "association.update", "person.add", "roles.set"} <= actions


def test_duplicate_and_malformed_slugs_keep_what_was_typed(client, f, db_session):
    _platform_admin(client, f)
    existing = f.association(name="Förbund Ett", slug="ett")
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Association))

    for data in (
        {"name": "Förbund Två", "slug": "ett", "min_survey_answers": "3"},
        {"name": existing.name, "slug": "tva", "min_survey_answers": "3"},
        {"name": "Förbund Tre", "slug": "Tre Ord!", "min_survey_answers": "3"},
        {"name": "Förbund Fyra", "slug": "fyra", "min_survey_answers": "0"},
    ):
        response = post(client, "/platform/associations/new", data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert 'role="alert"' in html
        assert data["name"] in html

    after = db_session.scalar(sa.select(sa.func.count()).select_from(Association))
    assert after == before


def test_platform_mail_shows_mail_of_no_association_and_retries_it(client, f, db_session):
    _platform_admin(client, f)
    association = f.association()
    platform_mail = queue_mail(recipient="reset@example.org", subject="Återställ", body="x")
    platform_mail.status = MailStatus.FAILED
    platform_mail.last_error = "connection refused"
    tenant_mail = queue_mail(
        recipient="member@example.org", subject="Kallelse", body="y", association_id=association.id
    )
    tenant_mail.status = MailStatus.FAILED
    db_session.commit()

    html = client.get("/platform/mail").get_data(as_text=True)
    assert "reset@example.org" in html
    assert "connection refused" in html
    assert "member@example.org" not in html

    assert post(client, f"/platform/mail/{platform_mail.id}/retry").status_code == 302
    db_session.refresh(platform_mail)
    assert platform_mail.status is MailStatus.PENDING
    # An association's message is not the platform's to retry.
    assert post(client, f"/platform/mail/{tenant_mail.id}/retry").status_code == 404


def test_platform_audit_log_lists_account_events(client, f, db_session):
    admin = _platform_admin(client, f)
    db_session.add(
        AuditEvent(
            actor_id=admin.id,
            association_id=None,
            action="user.platform_admin",
            object_type="User",
            object_id=admin.id,
            summary=admin.email,
        )
    )
    db_session.commit()
    response = client.get("/platform/audit")
    assert response.status_code == 200
    assert "Plattformsadministratör utsedd" in response.get_data(as_text=True)
