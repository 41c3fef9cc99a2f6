"""A group's plans: the list, creating one, the plan page, adoption, moving to a new version."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import clock, signals
from portal.core.errors import DomainError
from portal.core.forms import choices
from portal.core.htmx import whole
from portal.core.loaders import load_scoped, require
from portal.core.transactions import atomic
from portal.groups.models import Group
from portal.organisations.loaders import load_association
from portal.organisations.models import Association
from portal.organisations.services import agencies_of
from portal.plans import policies
from portal.plans.blueprint import bp
from portal.plans.forms import (
    ActivityFields,
    DevelopmentAreaForm,
    GoalFields,
    NewPlanForm,
)
from portal.plans.models import ACTIVITY_STATUS_LABELS, FIELD_KIND_LABELS, FieldKind, Plan
from portal.plans.services import goal_areas as area_services
from portal.plans.services import plans as services
from portal.plans.services import responsible
from portal.plans.services.compare import compare, orphaned_texts, plan_changes
from portal.plans.services.templates import current_version
from portal.plans.views.common import load_plan


@bp.route("/a/<slug>/groups/<int:group_id>/plans", methods=["GET", "POST"])
def group_plans(slug: str, group_id: int) -> Response:
    """The group's plans by year, and the form that creates one."""
    association = load_association(slug)
    group = load_scoped(Group, group_id, association)
    require(policies.can_read_plan(current_user, group))
    can_edit = policies.can_edit_plan(current_user, group)
    plans = services.plans_of_group(group)
    form = NewPlanForm()
    _offer_year(form, [p.year for p in plans])
    if request.method != "GET" and not can_edit:
        require(False)
    if form.validate_on_submit():
        carried = area_services.carry_source(association, form.year.data)
        try:
            with atomic():
                plan = services.create_plan(
                    current_user, group, form.year.data, services.Source(form.source.data)
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The plan for %(year)d was created.", year=plan.year), "success")
            if carried is not None:
                flash(_carried_message(carried, plan.year), "info")
            undated = [a for a in plan.activities if a.carried_from_id]
            if undated:
                flash(
                    ngettext(
                        "%(num)d unfinished activity was carried over from %(last)d without "
                        "its due date: last year's dates lie outside %(year)d. Give it a new one.",
                        "%(num)d unfinished activities were carried over from %(last)d without "
                        "due dates: last year's dates lie outside %(year)d. Give them new ones.",
                        len(undated),
                        last=plan.year - 1,
                        year=plan.year,
                    ),
                    "info",
                )
            return redirect(url_for(".show", slug=slug, plan_id=plan.id))
    return whole(
        "plans/group_plans.html",
        form.status,
        association=association,
        group=group,
        plans=plans,
        form=form,
        can_edit=can_edit,
        current=current_version(association),
        states=services.plan_states([group.id], clock.today().year),
    )


def _offer_year(form: NewPlanForm, taken: list[int]) -> None:
    """Suggest the first year without a plan (from last year's plan when there is one),
    and say which years already have one."""
    if taken:
        form.year.description = _(
            "The group already has plans for %(years)s.",
            years=", ".join(str(y) for y in sorted(taken)),
        )
    if request.method == "GET":
        form.year.data = services.suggested_year(taken, clock.today())
        if form.year.data - 1 in taken:
            form.source.data = services.Source.PREVIOUS.value


def _carried_message(source: int, year: int) -> str:
    return _(
        "The association had no goal areas for %(year)d, so those of %(source)d were "
        "carried forward. Its administrators can change them under Goal areas.",
        year=year,
        source=source,
    )


def item_forms(plan: Plan) -> dict[str, Any]:
    """Empty add-forms for goals, activities and development areas, with their choices."""
    goal_form = GoalFields(formdata=None)
    activity_form = ActivityFields(formdata=None)
    set_goal_choices(goal_form, plan)
    set_activity_choices(activity_form, plan)
    return {
        "goal_form": goal_form,
        "activity_form": activity_form,
        "area_form": DevelopmentAreaForm(formdata=None),
    }


def set_goal_choices(form: GoalFields, plan: Plan) -> None:
    """Goal areas of the plan's year; when it has none, say so and what can be done
    (``form.carry_from``: the year whose areas the plan page offers to carry forward)."""
    association = plan.group.association
    areas = area_services.goal_areas(association, plan.year)
    form.goal_area_id.choices = choices(
        [(0, _("Choose a goal area")), *((a.id, a.title) for a in areas)]
    )
    form.carry_from = None
    if areas:
        return
    form.carry_from = area_services.carry_source(association, plan.year)
    if form.carry_from is not None:
        form.goal_area_id.description = _(
            "The association has no goal areas for %(year)d yet. Carry those of %(source)d "
            "forward with the button above; its administrators can change them under Goal "
            "areas.",
            year=plan.year,
            source=form.carry_from,
        )
    else:
        form.goal_area_id.description = _(
            "The association has no goal areas for %(year)d yet. Its administrators add "
            "them under Goal areas.",
            year=plan.year,
        )


def set_activity_choices(form: ActivityFields, plan: Plan) -> None:
    """People (the group's members first, with their agencies) and agencies of the
    association."""
    found = responsible.candidates(plan)
    names = responsible.labels(found)
    members = [(c.user_id, names[c.user_id]) for c in found if c.in_group]
    others = [(c.user_id, names[c.user_id]) for c in found if not c.in_group]
    groups: dict[str | None, list[Any]] = {None: choices([(0, _("Nobody yet"))])}
    if members:
        groups[_("Members of %(group)s", group=plan.group.name)] = choices(members)
    if others:
        groups[_("Others in the association")] = choices(others)
    form.responsible_id.choices = groups
    form.agency_id.choices = choices(
        [(0, _("No agency")), *((a.id, a.name) for a in agencies_of(plan.group.association))]
    )


def plan_context(association: Association, plan: Plan, *, loaded: bool = False) -> dict[str, Any]:
    """Everything the plan page and its blocks need (a fixed number of queries).

    ``loaded``: the plan came from ``load_plan(..., page=True)`` in this request and
    nothing has changed since, so it is not read again.
    """
    if not loaded:
        plan = services.plan_page(plan.id)
    group = plan.group
    can_edit = policies.can_edit_plan(current_user, group)
    version = plan.template_version
    kinds = {f.kind for f in version.fields()}
    newest = current_version(association)
    context: dict[str, Any] = {
        "association": association,
        "plan": plan,
        "group": group,
        "version": version,
        "can_edit": can_edit,
        "see_people": policies.can_see_people(current_user, group),
        "can_progress": lambda a: policies.can_update_progress(current_user, group, a),
        "status_labels": ACTIVITY_STATUS_LABELS,
        "kind_labels": FIELD_KIND_LABELS,
        "goals_in_template": FieldKind.RESULT_GOALS in kinds,
        "activities_in_template": FieldKind.ACTIVITIES in kinds,
        "orphans": orphaned_texts(plan, version),
        "newer": newest if newest and newest.number > version.number else None,
        "concretised": services.is_concretised(plan),
        "missing": services.missing_for_adoption(plan),
        "history": services.history(plan),
        "today": clock.today(),
        "adopt_error": None,
        **signals.page_context(signals.activities_shown, list(plan.activities), group=group),
        **signals.page_context(signals.attachments_shown, plan, section="plan"),
    }
    if can_edit:
        context.update(item_forms(plan))
    return context


@bp.route("/a/<slug>/plans/<int:plan_id>")
def show(slug: str, plan_id: int) -> Response:
    """The plan page."""
    association, plan = load_plan(slug, plan_id, page=True)
    return whole("plans/plan.html", **plan_context(association, plan, loaded=True))


@bp.route("/a/<slug>/plans/<int:plan_id>/adopt", methods=["POST"])
def adopt(slug: str, plan_id: int) -> Response:
    """Adopt the plan; refused with the list of what is missing."""
    association, plan = load_plan(slug, plan_id, edit=True)
    try:
        with atomic():
            services.adopt(current_user, plan)
    except DomainError as error:
        context = plan_context(association, plan)
        context["adopt_error"] = error.message
        return whole("plans/plan.html", 400, **context)
    flash(_("The plan was adopted."), "success")
    return redirect(url_for(".show", slug=slug, plan_id=plan.id))


@bp.route("/a/<slug>/plans/<int:plan_id>/upgrade", methods=["GET", "POST"])
def upgrade(slug: str, plan_id: int) -> Response:
    """Field by field, what the newest template version changes; then move the plan."""
    association, plan = load_plan(slug, plan_id)
    newest = current_version(association)
    require(newest is not None and newest.number > plan.template_version.number)
    assert newest is not None
    can_edit = policies.can_edit_plan(current_user, plan.group)
    error = None
    if request.method == "POST":
        require(can_edit)
        try:
            with atomic():
                services.move_to_version(
                    current_user, plan, newest, request.form.get("version_id", type=int)
                )
        except DomainError as exc:
            error = exc.message
        else:
            flash(_("The plan now follows version %(n)d.", n=newest.number), "success")
            return redirect(url_for(".show", slug=slug, plan_id=plan.id))
    plan = services.plan_page(plan.id)
    return whole(
        "plans/upgrade.html",
        400 if error else 200,
        association=association,
        plan=plan,
        newest=newest,
        diff=compare(plan.template_version, newest),
        changes=plan_changes(plan, newest),
        orphans=orphaned_texts(plan, newest),
        can_edit=can_edit,
        kind_labels=FIELD_KIND_LABELS,
        error=error,
    )
