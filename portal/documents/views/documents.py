"""Attach a file, download it, remove it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from portal.core.confirm import confirm_delete
from portal.core.downloads import attachment
from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.core.uploads import accepts_upload
from portal.documents.blueprint import bp
from portal.documents.forms import DocumentForm
from portal.documents.models import DocumentSection
from portal.documents.services import documents as services
from portal.documents.views.common import load_document
from portal.meetings.views.common import load_meeting
from portal.plans.views.common import load_plan

LIMIT_SETTING = "DOCUMENT_MAX_MB"


def _upload_page(
    *, section: DocumentSection, meeting_id: int | None = None, plan_id: int | None = None
) -> Response | tuple[str, int]:
    slug = request.view_args["slug"] if request.view_args else ""
    meeting = plan = None
    if plan_id is not None:
        association, plan = load_plan(slug, plan_id, edit=True)
        group = plan.group
        back = url_for("plans.show", slug=slug, plan_id=plan.id)
    else:
        assert meeting_id is not None
        association, meeting = load_meeting(slug, meeting_id, manage=True)
        group = meeting.group
        endpoint = "meetings.minutes" if section is DocumentSection.MINUTES else "meetings.show"
        back = url_for(endpoint, slug=slug, meeting_id=meeting.id)
    form = DocumentForm()
    form.set_limit_hint(current_app.config[LIMIT_SETTING])
    if form.validate_on_submit():
        upload = services.Upload(
            filename=form.file.data.filename or "",
            stream=form.file.data.stream,
            title=form.title.data or "",
        )
        try:
            with atomic():
                document = services.attach(
                    current_user, upload, section=section, meeting=meeting, plan=plan
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("“%(title)s” was attached.", title=document.title), "success")
            return redirect(back)
    return render_template(
        "documents/upload.html",
        association=association,
        group=group,
        meeting=meeting,
        plan=plan,
        section=section.value,
        form=form,
        back=back,
    ), form.status


@bp.route("/meetings/<int:meeting_id>/documents/new", methods=["GET", "POST"])
@accepts_upload(LIMIT_SETTING)
def meeting_upload(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Attach a file to a meeting: agenda, presentations (process leaders, admins)."""
    return _upload_page(section=DocumentSection.MEETING, meeting_id=meeting_id)


@bp.route("/meetings/<int:meeting_id>/minutes/documents/new", methods=["GET", "POST"])
@accepts_upload(LIMIT_SETTING)
def minutes_upload(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Attach a file to a meeting's minutes."""
    return _upload_page(section=DocumentSection.MINUTES, meeting_id=meeting_id)


@bp.route("/plans/<int:plan_id>/documents/new", methods=["GET", "POST"])
@accepts_upload(LIMIT_SETTING)
def plan_upload(slug: str, plan_id: int) -> Response | tuple[str, int]:
    """Attach a file to an action plan (those who edit the plan)."""
    return _upload_page(section=DocumentSection.PLAN, plan_id=plan_id)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A body over the limit is refused unread; say so, and offer the form again."""
    return render_template(
        "documents/too_large.html",
        limit=current_app.config[LIMIT_SETTING],
        again=request.path,
    ), 413


@bp.route("/documents/<int:document_id>")
def download(slug: str, document_id: int) -> Response:
    """The file, as an attachment, for those who may read what it is attached to."""
    owned = load_document(slug, document_id)
    document = owned.document
    response = attachment(services.read(document), document.content_type, document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/documents/<int:document_id>/delete", methods=["GET", "POST"])
def delete(slug: str, document_id: int) -> Response | str:
    """Remove a file (asks first without JavaScript); audited."""
    owned = load_document(slug, document_id, manage=True)
    if request.method == "GET":
        return confirm_delete(
            question=_("Remove the document?"),
            name=owned.document.title,
            button=_("Remove the document"),
            cancel=owned.back_url,
        )
    with atomic():
        services.remove(current_user, owned.document)
    flash(_("The document was removed."), "success")
    return redirect(owned.back_url)
