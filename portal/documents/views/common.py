"""Loading a document through what it is attached to, and what owner pages show of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, url_for
from flask_login import current_user

from portal.core.loaders import require
from portal.core.urls import absolute_url
from portal.documents import policies
from portal.documents.models import Document, DocumentSection
from portal.documents.services import documents as services
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.models import Meeting
from portal.organisations.loaders import load_association
from portal.organisations.models import Association
from portal.plans.models import Plan


@dataclass(frozen=True)
class Owned:
    """A document with the association, group and page it belongs to."""

    association: Association
    document: Document
    group: Group
    back_url: str
    can_manage: bool


def load_document(slug: str, document_id: int, *, manage: bool = False) -> Owned:
    """A document the person may read (or, with ``manage``, remove), else 404."""
    association = load_association(slug)
    document = services.load(document_id, association.id)
    if document is None:
        abort(404)
    is_plan = document.plan_id is not None
    if is_plan:
        plan = db.session.get(Plan, document.plan_id)
        assert plan is not None
        group = plan.group
        back = url_for("plans.show", slug=slug, plan_id=plan.id)
    else:
        meeting = db.session.get(Meeting, document.meeting_id)
        assert meeting is not None
        group = meeting.group
        endpoint = (
            "meetings.minutes" if document.section is DocumentSection.MINUTES else "meetings.show"
        )
        back = url_for(endpoint, slug=slug, meeting_id=meeting.id)
    require(policies.can_read(current_user, group, plan=is_plan))
    can_manage = policies.can_manage(current_user, group, plan=is_plan)
    if manage:
        require(can_manage)
    return Owned(association, document, group, back, can_manage)


def attachments_of(sender: Meeting | Plan, section: str) -> dict[str, Any]:
    """For meeting, minutes and plan pages (``core.signals.attachments_shown``): the
    attached files and, for those who may add one, where."""
    slug = _slug(sender)
    if isinstance(sender, Plan):
        docs = services.of_plan(sender.id)
        may_add = policies.can_attach_to_plan(current_user, sender)
        upload = url_for("documents.plan_upload", slug=slug, plan_id=sender.id)
    else:
        kind = DocumentSection(section)
        docs = services.of_meeting(sender.id, kind)
        may_add = policies.can_attach_to_meeting(current_user, sender)
        endpoint = (
            "documents.minutes_upload"
            if kind is DocumentSection.MINUTES
            else "documents.meeting_upload"
        )
        upload = url_for(endpoint, slug=slug, meeting_id=sender.id)
    return {
        "attachments": {
            "documents": docs,
            "slug": slug,
            "upload_url": upload if may_add else None,
            "may_remove": may_add,
        }
    }


def attachments_for_mail(meeting: Meeting) -> dict[str, Any]:
    """For the meeting notice (``core.signals.attachments_mailed``): title and link of
    each file attached to the meeting (the link asks the reader to sign in)."""
    slug = _slug(meeting)
    return {
        "attachments": [
            (
                f"{d.title} ({d.filename})" if d.title != d.filename else d.filename,
                absolute_url("documents.download", slug=slug, document_id=d.id),
            )
            for d in services.of_meeting(meeting.id, DocumentSection.MEETING)
        ]
    }


def _slug(owner: Meeting | Plan) -> str:
    association = db.session.get(Association, owner.association_id)
    assert association is not None
    return association.slug
