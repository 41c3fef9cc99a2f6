"""Goal areas (målområden) per operating year: association admins keep them."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import clock
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.htmx import whole
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.organisations.loaders import load_admin_association
from portal.organisations.models import Association
from portal.plans.blueprint import bp
from portal.plans.forms import CopyYearForm, GoalAreaEditForm, GoalAreaForm
from portal.plans.services import goal_areas as services
from portal.plans.views.common import load_plan


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year is not None and 2000 <= year <= 2100 else clock.today().year


def _page(
    association: Association,
    year: int,
    form: GoalAreaForm,
    copy_form: CopyYearForm,
    status: int = 200,
) -> Response:
    years = sorted({*services.years_with_goal_areas(association), year}, reverse=True)
    return whole(
        "plans/goal_areas.html",
        status,
        association=association,
        year=year,
        years=years,
        areas=services.goal_areas(association, year),
        form=form,
        copy_form=copy_form,
    )


@bp.route("/a/<slug>/goal-areas", methods=["GET", "POST"])
def goal_areas(slug: str) -> Response:
    """The goal areas of a year, and the form that adds one."""
    association = load_admin_association(slug)
    year = _year()
    form = GoalAreaForm()
    copy_form = CopyYearForm(formdata=None, year=year, source_year=year - 1)
    if request.method == "GET":
        form.year.data = year
    if form.validate_on_submit():
        try:
            with atomic():
                area = services.create_goal_area(current_user, association, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The goal area %(t)s was added.", t=area.title), "success")
            return redirect(url_for(".goal_areas", slug=slug, year=area.year))
    if form.year.data and request.method == "POST":
        year = form.year.data if 2000 <= form.year.data <= 2100 else year
    return _page(association, year, form, copy_form, form.status)


@bp.route("/a/<slug>/goal-areas/copy", methods=["POST"])
def copy_goal_areas(slug: str) -> Response:
    """Copy one year's goal areas into another."""
    association = load_admin_association(slug)
    copy_form = CopyYearForm()
    if copy_form.validate_on_submit():
        try:
            with atomic():
                n = services.copy_year(
                    current_user, association, copy_form.source_year.data, copy_form.year.data
                )
        except DomainError as error:
            copy_form.add_domain_error(error)
        else:
            flash(_("%(n)d goal areas were copied.", n=n), "success")
            return redirect(url_for(".goal_areas", slug=slug, year=copy_form.year.data))
    year = copy_form.year.data if copy_form.year.data and not copy_form.year.errors else _year()
    form = GoalAreaForm(formdata=None, year=year)
    return _page(association, year, form, copy_form, copy_form.status)


@bp.route("/a/<slug>/goal-areas/<int:area_id>/edit", methods=["GET", "POST"])
def edit_goal_area(slug: str, area_id: int) -> Response:
    """Rename or describe a goal area."""
    association = load_admin_association(slug)
    area = services.load_goal_area(association, area_id)
    require(area is not None)
    assert area is not None
    form = GoalAreaEditForm(obj=area) if request.method == "GET" else GoalAreaEditForm()
    form.year.data = area.year
    if form.validate_on_submit():
        try:
            with atomic():
                services.update_goal_area(current_user, area, form.to_data(), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".goal_areas", slug=slug, year=area.year))
    return whole(
        "plans/goal_area_form.html", form.status, association=association, area=area, form=form
    )


@bp.route("/a/<slug>/goal-areas/<int:area_id>/delete", methods=["GET", "POST"])
def delete_goal_area(slug: str, area_id: int) -> Response | str:
    """Delete an unused goal area; one in use stays, with the reason shown."""
    association = load_admin_association(slug)
    area = services.load_goal_area(association, area_id)
    require(area is not None)
    assert area is not None
    if request.method == "GET":
        return confirm_delete(
            question=_("Delete this goal area?"),
            name=area.title,
            button=_("Delete the goal area"),
            cancel=url_for(".edit_goal_area", slug=slug, area_id=area.id),
        )
    year = area.year
    form = GoalAreaEditForm(formdata=None, obj=area)
    try:
        with atomic():
            services.delete_goal_area(current_user, area)
    except DomainError as error:
        form.add_domain_error(error)
        return whole(
            "plans/goal_area_form.html", 400, association=association, area=area, form=form
        )
    flash(_("The goal area was deleted."), "success")
    return redirect(url_for(".goal_areas", slug=slug, year=year))


@bp.route("/a/<slug>/plans/<int:plan_id>/goal-areas/carry", methods=["POST"])
def carry_goal_areas(slug: str, plan_id: int) -> Response:
    """From a plan whose year has no goal areas: carry the nearest earlier year's forward.

    Offered to whoever edits the plan, where they need the areas; the association's
    admins change them afterwards as the new operating plan says.
    """
    association, plan = load_plan(slug, plan_id, edit=True)
    with atomic():
        source = services.carry_forward(current_user, association, plan.year)
    if source is None:
        flash(_("The year already has goal areas, or there are none to carry."), "error")
    else:
        flash(
            _(
                "The goal areas of %(source)d were carried into %(year)d.",
                source=source,
                year=plan.year,
            ),
            "success",
        )
    return redirect(url_for(".show", slug=slug, plan_id=plan.id, _anchor="goals"))
