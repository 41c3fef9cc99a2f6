"""Platform administration: associations and their first administrators.

The whole blueprint is guarded: only platform admins reach it, others get 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import TokenPurpose
from portal.accounts.services.passwords import send_password_link
from portal.admin.forms import AssociationAdminForm, NationalUploadForm
from portal.core.audit import audit_page
from portal.core.errors import DomainError
from portal.core.mail import MailStatus, OutboxMessage, outbox_status, retry_failed
from portal.core.permissions import is_platform_admin
from portal.core.transactions import atomic
from portal.core.urls import absolute_url
from portal.extensions import db
from portal.organisations import services
from portal.organisations.forms import AssociationEditForm, AssociationForm
from portal.organisations.models import Association, AssociationRole, AssociationRoleName
from portal.people import services as people_services
from portal.surveys import national

bp = Blueprint("admin", __name__, url_prefix="/platform")


@bp.before_request
def _guard() -> None:
    if not is_platform_admin(current_user):
        abort(404)


def _load(association_id: int) -> Association:
    association = db.session.get(Association, association_id)
    if association is None:
        abort(404)
    return association


@bp.route("/associations")
def associations() -> str:
    """Every association on the installation."""
    rows = db.session.scalars(sa.select(Association).order_by(Association.name)).all()
    return render_template("admin/associations.html", associations=rows)


@bp.route("/associations/new", methods=["GET", "POST"])
def association_new() -> Response | tuple[str, int]:
    """Create an association."""
    form = AssociationForm()
    if form.validate_on_submit():
        try:
            with atomic():
                association = services.create_association(current_user, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(
                _("%(name)s was created. Appoint its first administrator.", name=association.name),
                "success",
            )
            return redirect(url_for(".association_edit", association_id=association.id))
    return render_template(
        "admin/association_form.html", form=form, association=None, admins=[], admin_form=None
    ), form.status


@bp.route("/associations/<int:association_id>", methods=["GET", "POST"])
def association_edit(association_id: int) -> Response | tuple[str, int]:
    """Edit an association and see its administrators."""
    association = _load(association_id)
    form = (
        AssociationEditForm(obj=association) if request.method == "GET" else AssociationEditForm()
    )
    if form.validate_on_submit():
        try:
            with atomic():
                services.update_association(current_user, association, form.to_data(), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".association_edit", association_id=association.id))
    return _render_edit(association, form, AssociationAdminForm(formdata=None, prefix="admin"))


def _render_edit(
    association: Association, form: AssociationForm, admin_form: AssociationAdminForm
) -> tuple[str, int]:
    admins = db.session.scalars(
        sa.select(AssociationRole)
        .where(
            AssociationRole.association_id == association.id,
            AssociationRole.role == AssociationRoleName.ADMIN,
        )
        .options(sa.orm.joinedload(AssociationRole.user))
    ).all()
    status = max(form.response_status(), admin_form.response_status())
    return render_template(
        "admin/association_form.html",
        form=form,
        association=association,
        admins=admins,
        admin_form=admin_form,
    ), status


@bp.route("/associations/<int:association_id>/admins", methods=["POST"])
def association_add_admin(association_id: int) -> Response | tuple[str, int]:
    """Appoint an administrator (registering and inviting the person if new)."""
    association = _load(association_id)
    admin_form = AssociationAdminForm(prefix="admin")
    if admin_form.validate_on_submit():
        try:
            with atomic():
                user = people_services.user_in_register(
                    current_user, association, admin_form.to_data()
                )
                roles = people_services.roles_of(user, association) | {AssociationRoleName.ADMIN}
                row = people_services.register_row(association, user)
                people_services.set_roles(current_user, association, user, roles, row.lock_version)
                if user.password_hash is None:
                    send_password_link(
                        user,
                        TokenPurpose.INVITE,
                        link_for=lambda token: absolute_url("accounts.set_password", token=token),
                        lifetime_hours=current_app.config["TOKEN_LIFETIME_HOURS"],
                        association_id=association.id,
                    )
        except DomainError as error:
            admin_form.add_domain_error(error)
        else:
            flash(
                _(
                    "%(name)s is now an administrator of %(association)s.",
                    name=user.name,
                    association=association.name,
                ),
                "success",
            )
            return redirect(url_for(".association_edit", association_id=association.id))
    return _render_edit(
        association, AssociationEditForm(obj=association, formdata=None), admin_form
    )


@bp.route("/audit")
def audit_log() -> str:
    """Platform-level events: accounts and changes that belong to no association."""
    log = audit_page(None, request.args.get("page", 1, type=int) or 1)
    return render_template("admin/audit.html", log=log)


@bp.route("/mail")
def outbox() -> str:
    """Mail that belongs to no association (e.g. password resets), undelivered first."""
    status = outbox_status(None)
    return render_template("admin/outbox.html", messages=status.undelivered, sent=status.sent)


@bp.route("/mail/<int:message_id>/retry", methods=["POST"])
def outbox_retry(message_id: int) -> Response:
    """Queue a failed platform message again."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.association_id is not None:
        abort(404)
    if message.status is MailStatus.FAILED:
        retry_failed(message)
        flash(_("The message will be sent again."), "success")
    return redirect(url_for(".outbox"))


@bp.route("/national", methods=["GET", "POST"])
def national_reference() -> Response | tuple[str, int]:
    """The loaded national reference figures, and an upload that replaces years."""
    form = NationalUploadForm()
    problems: list[national.Problem] = []
    if form.validate_on_submit():
        try:
            with atomic():
                loaded = national.import_national(current_user, form.file.data.read())
        except national.NationalFileError as error:
            problems = error.problems
        else:
            flash(
                _(
                    "%(count)d figures were loaded for %(years)s.",
                    count=len(loaded.rows),
                    years=", ".join(str(y) for y in loaded.years),
                ),
                "success",
            )
            for warning in loaded.warnings:
                flash(_("Line %(line)d: %(message)s", line=warning.line, message=warning.message))
            return redirect(url_for(".national_reference"))
    status = 400 if problems or form.has_errors else 200
    return render_template(
        "admin/national.html",
        form=form,
        problems=problems,
        references=national.loaded_references(),
    ), status
