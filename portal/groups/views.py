"""Group pages and membership administration."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal.accounts.models import User
from portal.core import clock, permissions, signals
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.forms import choices
from portal.core.htmx import is_htmx, page
from portal.core.loaders import load_scoped, require
from portal.core.transactions import atomic
from portal.extensions import db
from portal.groups import services
from portal.groups.forms import (
    EndMembershipForm,
    GroupEditForm,
    GroupForm,
    MembershipForm,
)
from portal.groups.models import ROLE_LABELS, Group
from portal.organisations.loaders import load_admin_association, load_association
from portal.organisations.models import AgencyKind, Association, AssociationPerson
from portal.organisations.services import agencies_of

bp = Blueprint("groups", __name__, url_prefix="/a/<slug>/groups")


def groups_of_association(association: Association) -> dict[str, object]:
    """For the association's overview (``core.signals.association_shown``): its groups
    with head counts, and what the pages that list groups add about them."""
    groups = services.group_rows(association)
    return {
        "groups": groups,
        **signals.page_context(signals.groups_shown, [row.group for row in groups]),
    }


def _municipality_choices(association: Association) -> list[SelectChoice]:
    return choices(
        (a.id, a.name) for a in agencies_of(association) if a.kind is AgencyKind.MUNICIPALITY
    )


def _membership_form(association: Association) -> MembershipForm:
    form = MembershipForm()
    people = db.session.scalars(
        sa.select(User)
        .join(AssociationPerson, AssociationPerson.user_id == User.id)
        .where(AssociationPerson.association_id == association.id)
        .order_by(User.name)
    )
    form.user_id.choices = choices(
        [(0, _("Choose a person")), *((u.id, f"{u.name} ({u.email})") for u in people)]
    )
    form.agency_id.choices = choices(
        [(0, _("Choose an agency")), *((a.id, a.name) for a in agencies_of(association))]
    )
    if request.method == "GET" and form.valid_from.data is None:
        form.valid_from.data = clock.today()
    return form


def _load_group(slug: str, group_id: int) -> tuple[Association, Group]:
    association = load_association(slug)
    group = load_scoped(Group, group_id, association)
    require(permissions.can_view_group(current_user, group))
    return association, group


@bp.route("/")
def index(slug: str) -> Response:
    """The association overview lists the groups."""
    return redirect(url_for("organisations.overview", slug=slug))


@bp.route("/new", methods=["GET", "POST"])
def new(slug: str) -> Response | tuple[str, int]:
    """Create a group (admins)."""
    association = load_admin_association(slug)
    form = GroupForm()
    form.municipalities.choices = _municipality_choices(association)
    if form.validate_on_submit():
        try:
            with atomic():
                group = services.create_group(current_user, association, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The group %(name)s was created.", name=group.name), "success")
            return redirect(url_for(".show", slug=slug, group_id=group.id))
    return render_template(
        "groups/form.html", association=association, form=form, group=None
    ), form.status


@bp.route("/<int:group_id>")
def show(slug: str, group_id: int) -> Response:
    """The group page: current and former members, process leaders, agencies represented."""
    association, group = _load_group(slug, group_id)
    is_admin = permissions.is_association_admin(current_user, association.id)
    return page(
        "groups/show.html",
        "members",
        association=association,
        group=group,
        people=services.group_people(group),
        show_people=permissions.can_view_group_people(current_user, group),
        is_admin=is_admin,
        form=_membership_form(association) if is_admin else None,
        role_labels=ROLE_LABELS,
        **signals.page_context(signals.groups_shown, [group]),
    )


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
def edit(slug: str, group_id: int) -> Response | tuple[str, int]:
    """Rename a group or change its municipalities (admins)."""
    association = load_admin_association(slug)
    group = load_scoped(Group, group_id, association)
    form = GroupEditForm(obj=group) if request.method == "GET" else GroupEditForm()
    form.municipalities.choices = _municipality_choices(association)
    if request.method == "GET":
        form.fill_stored(group)
    if form.validate_on_submit():
        try:
            with atomic():
                services.update_group(current_user, group, form.to_data(), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".show", slug=slug, group_id=group.id))
    return render_template(
        "groups/form.html", association=association, form=form, group=group
    ), form.response_status()


@bp.route("/<int:group_id>/delete", methods=["GET", "POST"])
def delete(slug: str, group_id: int) -> Response | tuple[str, int] | str:
    """Delete a group without history (admins); otherwise re-show its form saying why not.
    GET asks first."""
    association = load_admin_association(slug)
    group = load_scoped(Group, group_id, association)
    if request.method == "GET":
        return confirm_delete(
            question=_("Delete the group?"),
            name=group.name,
            button=_("Delete %(name)s", name=group.name),
            cancel=url_for(".edit", slug=slug, group_id=group.id),
        )
    try:
        with atomic():
            services.delete_group(current_user, group)
    except DomainError as error:
        form = GroupEditForm(obj=group, formdata=None)
        form.municipalities.choices = _municipality_choices(association)
        form.fill_stored(group)
        form.add_domain_error(error)
        return render_template(
            "groups/form.html", association=association, form=form, group=group
        ), form.status
    flash(_("The group was deleted."), "success")
    return redirect(url_for("organisations.overview", slug=slug))


@bp.route("/<int:group_id>/members", methods=["POST"])
def add_member(slug: str, group_id: int) -> Response:
    """Add a membership; with htmx only the member list is re-rendered."""
    association = load_admin_association(slug)
    group = load_scoped(Group, group_id, association)
    form = _membership_form(association)
    message = None
    if form.validate_on_submit():
        try:
            with atomic():
                membership = services.add_membership(current_user, group, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            message = _("%(name)s was added to the group.", name=membership.user.name)
            if not is_htmx():
                flash(message, "success")
                return redirect(url_for(".show", slug=slug, group_id=group.id))
            form = _membership_form(association)
            form.process(formdata=None)
            form.valid_from.data = clock.today()
    return page(
        "groups/show.html",
        "members",
        status=form.status,
        association=association,
        group=group,
        people=services.group_people(group),
        show_people=True,
        is_admin=True,
        form=form,
        role_labels=ROLE_LABELS,
        message=message,
        facts_oob=is_htmx(),  # the agencies represented and the process leaders change too
        **signals.page_context(signals.groups_shown, [group]),
    )


@bp.route("/<int:group_id>/members/<int:membership_id>/end", methods=["GET", "POST"])
def end_member(slug: str, group_id: int, membership_id: int) -> Response | tuple[str, int]:
    """End a membership on a chosen day; history is kept."""
    association = load_admin_association(slug)
    group = load_scoped(Group, group_id, association)
    membership = services.load_membership(group, membership_id)
    require(membership is not None)
    assert membership is not None
    form = EndMembershipForm()
    if request.method == "GET":
        form.valid_to.data = clock.today()
        form.lock_version.data = str(membership.lock_version)
    if form.validate_on_submit():
        try:
            with atomic():
                services.end_membership(current_user, membership, form.valid_to.data, form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The membership of %(name)s was ended.", name=membership.user.name), "success")
            return redirect(url_for(".show", slug=slug, group_id=group.id))
    return render_template(
        "groups/end_membership.html",
        association=association,
        group=group,
        membership=membership,
        form=form,
        role_labels=ROLE_LABELS,
    ), form.response_status()
