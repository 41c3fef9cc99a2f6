"""Association overview, member agencies, the audit log and the mail outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import permissions, signals
from portal.core.audit import audit_page
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.loaders import load_scoped
from portal.core.mail import MailStatus, OutboxMessage, outbox_status, retry_failed
from portal.core.transactions import atomic
from portal.organisations import services
from portal.organisations.forms import AgencyEditForm, AgencyForm
from portal.organisations.loaders import load_admin_association, load_association
from portal.organisations.models import AGENCY_KIND_LABELS, Agency

bp = Blueprint("organisations", __name__, url_prefix="/a/<slug>")


@bp.route("/")
def overview(slug: str) -> str:
    """The association's groups and agencies, with what the person may do here."""
    association = load_association(slug)
    is_admin = permissions.is_association_admin(current_user, association.id)
    return render_template(
        "organisations/overview.html",
        association=association,
        is_admin=is_admin,
        agencies=services.agencies_of(association),
        kind_labels=AGENCY_KIND_LABELS,
        **signals.page_context(signals.association_shown, association),
    )


@bp.route("/agencies")
def agencies(slug: str) -> str:
    """Member agencies (admins)."""
    association = load_admin_association(slug)
    return render_template(
        "organisations/agencies.html",
        association=association,
        agencies=services.agencies_of(association),
        kind_labels=AGENCY_KIND_LABELS,
    )


@bp.route("/agencies/new", methods=["GET", "POST"])
def agency_new(slug: str) -> Response | tuple[str, int]:
    """Add a member agency."""
    association = load_admin_association(slug)
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            with atomic():
                agency = services.create_agency(current_user, association, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("%(name)s was added.", name=agency.name), "success")
            return redirect(url_for(".agencies", slug=slug))
    return render_template(
        "organisations/agency_form.html", association=association, form=form, agency=None
    ), form.status


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency_edit(slug: str, agency_id: int) -> Response | tuple[str, int]:
    """Edit a member agency."""
    association = load_admin_association(slug)
    agency = load_scoped(Agency, agency_id, association)
    form = AgencyEditForm(obj=agency) if request.method == "GET" else AgencyEditForm()
    if request.method == "GET":
        form.kind.data = agency.kind.value
    if form.validate_on_submit():
        try:
            with atomic():
                services.update_agency(current_user, agency, form.to_data(), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".agencies", slug=slug))
    return render_template(
        "organisations/agency_form.html", association=association, form=form, agency=agency
    ), form.response_status()


@bp.route("/agencies/<int:agency_id>/delete", methods=["GET", "POST"])
def agency_delete(slug: str, agency_id: int) -> Response | tuple[str, int] | str:
    """Delete an agency nobody refers to; otherwise re-show its page saying why not.
    GET asks first."""
    association = load_admin_association(slug)
    agency = load_scoped(Agency, agency_id, association)
    if request.method == "GET":
        return confirm_delete(
            question=_("Delete the agency?"),
            name=agency.name,
            button=_("Delete %(name)s", name=agency.name),
            cancel=url_for(".agency_edit", slug=slug, agency_id=agency.id),
        )
    name = agency.name
    try:
        with atomic():
            services.delete_agency(current_user, agency)
    except DomainError as error:
        form = AgencyEditForm(obj=agency, formdata=None)
        form.kind.data = agency.kind.value
        form.add_domain_error(error)
        return render_template(
            "organisations/agency_form.html", association=association, form=form, agency=agency
        ), form.status
    flash(_("%(name)s was deleted.", name=name), "success")
    return redirect(url_for(".agencies", slug=slug))


@bp.route("/audit")
def audit_log(slug: str) -> str:
    """The association's audit log, newest first, paged."""
    association = load_admin_association(slug)
    log = audit_page(association.id, request.args.get("page", 1, type=int) or 1)
    return render_template("organisations/audit.html", association=association, log=log)


@bp.route("/mail")
def outbox(slug: str) -> str:
    """Mail that has not left yet or could not be delivered."""
    association = load_admin_association(slug)
    status = outbox_status(association.id)
    return render_template(
        "organisations/outbox.html",
        association=association,
        messages=status.undelivered,
        sent=status.sent,
    )


@bp.route("/mail/<int:message_id>/retry", methods=["POST"])
def outbox_retry(slug: str, message_id: int) -> Response:
    """Queue a failed message again."""
    association = load_admin_association(slug)
    message = load_scoped(OutboxMessage, message_id, association)
    if message.status is MailStatus.FAILED:
        retry_failed(message)
        flash(_("The message will be sent again."), "success")
    return redirect(url_for(".outbox", slug=slug))
