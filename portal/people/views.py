"""The association's people: register, details, roles, memberships and invitations."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import TokenPurpose, User
from portal.accounts.services import totp
from portal.accounts.services.passwords import send_password_link
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.core.urls import absolute_url
from portal.groups.models import ROLE_LABELS
from portal.organisations.loaders import load_admin_association
from portal.organisations.models import ASSOCIATION_ROLE_LABELS, Association
from portal.people import consent, services
from portal.people.forms import (
    NewPersonForm,
    PersonEditForm,
    PersonForm,
    RolesForm,
)

bp = Blueprint("people", __name__, url_prefix="/a/<slug>/people")


def _invite(user: User, association: Association) -> None:
    send_password_link(
        user,
        TokenPurpose.INVITE if user.password_hash is None else TokenPurpose.RESET,
        link_for=lambda token: absolute_url("accounts.set_password", token=token),
        lifetime_hours=current_app.config["TOKEN_LIFETIME_HOURS"],
        association_id=association.id,
    )


def _load_person(association: Association, user_id: int) -> User:
    user = services.load_person(association, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
def index(slug: str) -> str:
    """Everyone in the register with their roles."""
    association = load_admin_association(slug)
    return render_template(
        "people/index.html",
        association=association,
        people=services.people_of(association),
        invitations=consent.pending_invitations(association),
        role_labels=ASSOCIATION_ROLE_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
def new(slug: str) -> Response | tuple[str, int]:
    """Invite a person to the register; they are registered when they accept.

    The answer is the same whether the address has an account elsewhere or not.
    """
    association = load_admin_association(slug)
    form = NewPersonForm()
    if form.validate_on_submit():
        data = form.to_data()
        try:
            with atomic():
                consent.invite_to_register(
                    current_user,
                    association,
                    data.name,
                    data.email,
                    link_for=lambda token: absolute_url("consent.join", token=token),
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(
                _(
                    "An invitation was sent to %(email)s. %(name)s is in the register "
                    "once they accept it.",
                    email=data.email,
                    name=data.name,
                ),
                "success",
            )
            return redirect(url_for(".index", slug=slug))
    return render_template("people/new.html", association=association, form=form), form.status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def show(slug: str, user_id: int) -> Response | tuple[str, int]:
    """A person's details, roles and membership history; the details form posts here."""
    association = load_admin_association(slug)
    user = _load_person(association, user_id)
    shared = services.is_shared(user, association)
    form = PersonEditForm(obj=user) if request.method == "GET" else PersonEditForm()
    if form.validate_on_submit():
        try:
            with atomic():
                new_email = services.update_person(
                    current_user, association, user, form.to_data(), form.lock()
                )
                if new_email is not None:
                    consent.request_email_change(
                        current_user, association, user, new_email, link_for=_confirm_link
                    )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            if new_email is not None:
                flash(
                    _(
                        "The new sign-in address takes effect when the person confirms it "
                        "or another administrator approves it."
                    ),
                    "info",
                )
            return redirect(url_for(".show", slug=slug, user_id=user.id))
    roles_form = RolesForm(formdata=None)
    roles_form.roles.data = sorted(r.value for r in services.roles_of(user, association))
    roles_form.lock_version.data = str(services.register_row(association, user).lock_version)
    return _render_show(association, user, form, roles_form, shared)


def _render_show(
    association: Association, user: User, form: PersonForm, roles_form: RolesForm, shared: bool
) -> tuple[str, int]:
    status = max(form.response_status(), roles_form.response_status())
    return render_template(
        "people/show.html",
        association=association,
        person=user,
        form=form,
        roles_form=roles_form,
        shared=shared,
        memberships=services.memberships_of(user, association),
        role_labels=ROLE_LABELS,
        email_change=consent.pending_change(user),
    ), status


def _confirm_link(token: str) -> str:
    return absolute_url("consent.confirm_email", token=token)


@bp.route("/<int:user_id>/two-factor/reset", methods=["POST"])
def reset_two_factor(slug: str, user_id: int) -> Response:
    """Clear a person's second factor (a lost phone); audited, their sessions end."""
    association = load_admin_association(slug)
    user = _load_person(association, user_id)
    totp.reset(current_user, association, user)
    flash(_("Two-factor sign-in of %(name)s was reset.", name=user.name), "success")
    return redirect(url_for(".show", slug=slug, user_id=user.id))


@bp.route("/<int:user_id>/email-change", methods=["POST"])
def approve_email_change(slug: str, user_id: int) -> Response:
    """A second administrator approves a new sign-in address another one asked for."""
    association = load_admin_association(slug)
    user = _load_person(association, user_id)
    change = consent.pending_change(user)
    if change is None or change.association_id != association.id:
        abort(404)
    try:
        with atomic():
            consent.confirm_change(change, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The new sign-in address is in effect."), "success")
    return redirect(url_for(".show", slug=slug, user_id=user.id))


@bp.route("/<int:user_id>/roles", methods=["POST"])
def roles(slug: str, user_id: int) -> Response | tuple[str, int]:
    """Set the person's association-wide roles."""
    association = load_admin_association(slug)
    user = _load_person(association, user_id)
    roles_form = RolesForm()
    if roles_form.validate_on_submit():
        try:
            with atomic():
                services.set_roles(
                    current_user, association, user, roles_form.role_set(), roles_form.lock()
                )
        except DomainError as error:
            roles_form.add_domain_error(error)
        else:
            flash(_("The roles were saved."), "success")
            return redirect(url_for(".show", slug=slug, user_id=user.id))
    form = PersonEditForm(obj=user, formdata=None)
    return _render_show(association, user, form, roles_form, services.is_shared(user, association))


@bp.route("/<int:user_id>/invite", methods=["POST"])
def invite(slug: str, user_id: int) -> Response:
    """Send (again) a link for choosing a password."""
    association = load_admin_association(slug)
    user = _load_person(association, user_id)
    if services.is_shared(user, association):
        # A link would retire the links other associations sent; only the person can
        # ask for one (the sign-in page's "forgot password").
        flash(
            _(
                "This person also belongs to another association; "
                "they can ask for a link themselves."
            ),
            "error",
        )
        return redirect(url_for(".show", slug=slug, user_id=user.id))
    _invite(user, association)
    flash(_("An e-mail with a sign-in link was queued for %(email)s.", email=user.email), "success")
    return redirect(url_for(".show", slug=slug, user_id=user.id))


@bp.route("/<int:user_id>/remove", methods=["GET", "POST"])
def remove(slug: str, user_id: int) -> Response | str:
    """Take a person without memberships out of the register (GET asks first)."""
    association = load_admin_association(slug)
    user = _load_person(association, user_id)
    if request.method == "GET":
        return confirm_delete(
            question=_("Remove the person from the register?"),
            name=user.name,
            button=_("Remove %(name)s from the register", name=user.name),
            cancel=url_for(".show", slug=slug, user_id=user.id),
        )
    try:
        with atomic():
            services.remove_person(current_user, association, user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".show", slug=slug, user_id=user.id))
    flash(_("%(name)s was removed from the register.", name=user.name), "success")
    return redirect(url_for(".index", slug=slug))
