"""Each text, result goal and activity saves on its own: with htmx the item swaps in place,
without JavaScript the same URLs serve a page and redirect back to the plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import clock, signals
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.htmx import block, is_htmx, page, whole
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.extensions import db
from portal.organisations.models import Association
from portal.plans import policies
from portal.plans.blueprint import bp
from portal.plans.forms import (
    ActivityFields,
    ActivityForm,
    DevelopmentAreaForm,
    GoalFields,
    GoalForm,
    LockedForm,
    ProgressForm,
    TextForm,
)
from portal.plans.models import (
    ACTIVITY_STATUS_LABELS,
    Activity,
    ActivityStatus,
    DevelopmentArea,
    Plan,
    ResultGoal,
)
from portal.plans.services import items as services
from portal.plans.services import plans as plan_services
from portal.plans.views.common import item_level, load_plan, plan_facts
from portal.plans.views.plans import plan_context, set_activity_choices, set_goal_choices


def item_context(association: Association, plan: Plan) -> dict[str, Any]:
    """What the item macros read."""
    group = plan.group
    return {
        "association": association,
        "plan": plan,
        "group": group,
        "can_edit": policies.can_edit_plan(current_user, group),
        "see_people": policies.can_see_people(current_user, group),
        "can_progress": lambda a: policies.can_update_progress(current_user, group, a),
        "status_labels": ACTIVITY_STATUS_LABELS,
        "today": clock.today(),
    }


def scope_ids(form: Any, prefix: str) -> Any:
    """Give a form's inputs ids of their own, so several forms fit on one page."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form


def _item(
    association: Association,
    plan: Plan,
    kind: str,
    obj: Any,
    mode: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    context = item_context(association, plan)
    hl = item_level(plan, kind, obj) if is_htmx() else 2
    context.update(kind=kind, item=obj, mode=mode, hl=hl, **extra)
    if isinstance(obj, Activity):
        context.update(signals.page_context(signals.activities_shown, [obj], group=plan.group))
    if mode == "view" and is_htmx():
        context.update(plan_facts(plan))
    return page("plans/item.html", "item", status=status, **context)


def _save(
    association: Association,
    plan: Plan,
    kind: str,
    obj: Any,
    form: LockedForm,
    action: Callable[[], None],
    anchor: str,
) -> Response:
    """Validate, save through ``action``, and answer for htmx or a plain form: a stale
    save answers 409 with both versions, what was typed kept in the form."""
    if form.validate_on_submit():
        try:
            with atomic():
                action()
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if is_htmx():
                return _item(association, plan, kind, obj, "view", message=_("Saved."))
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".show", slug=association.slug, plan_id=plan.id) + anchor)
    return _item(
        association, plan, kind, obj, "edit", max(form.response_status(), 400), form=form,
        conflict=form.conflict,
    )  # fmt: skip


# --- texts of local fields --------------------------------------------------------


@bp.route("/a/<slug>/plans/<int:plan_id>/texts/<key>", methods=["GET", "POST"])
def text(slug: str, plan_id: int, key: str) -> Response:
    """Show, edit or save the group's text for one field."""
    association, plan = load_plan(slug, plan_id)
    field = next((f for f in plan.template_version.fields() if f.key == key), None)
    stored = plan.text_for(key)
    require(field is not None or stored is not None)
    obj = {"key": key, "field": field, "text": stored}
    label = field.label if field is not None else stored.label if stored is not None else key
    if request.method == "GET":
        if request.args.get("mode") != "edit":
            return _item(association, plan, "text", obj, "view")
        require(policies.can_edit_plan(current_user, plan.group))
        form = scope_ids(TextForm(formdata=None, obj=stored), f"text-{key}")
        form.body.label.text = label
        if stored is None and field is not None:
            form.body.data = field.wording
        form.lock_version.data = str(stored.lock_version) if stored else "0"
        return _item(association, plan, "text", obj, "edit", form=form, conflict=None)
    require(policies.can_edit_plan(current_user, plan.group))
    form = scope_ids(TextForm(), f"text-{key}")
    form.body.label.text = label

    def act() -> None:
        obj["text"] = plan_services.save_text(
            current_user, plan, key, form.body.data or "", form.lock()
        )

    return _save(association, plan, "text", obj, form, act, f"#text-{key}")


# --- result goals -----------------------------------------------------------------


def _goal(plan: Plan, goal_id: int) -> ResultGoal:
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    require(goal is not None)
    assert goal is not None
    return goal


@bp.route("/a/<slug>/plans/<int:plan_id>/goals", methods=["POST"])
def add_goal(slug: str, plan_id: int) -> Response:
    """Add a result goal."""
    association, plan = load_plan(slug, plan_id, edit=True)
    form = scope_ids(GoalFields(), "new-goal")
    set_goal_choices(form, plan)
    if form.validate_on_submit():
        try:
            with atomic():
                goal = services.add_goal(current_user, plan, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if not is_htmx():
                flash(_("The result goal was added."), "success")
                return redirect(url_for(".show", slug=slug, plan_id=plan.id) + f"#goal-{goal.id}")
            form = None
    return _list_response(association, plan, "goals", goal_form=form)


def _list_response(association: Association, plan: Plan, kind: str, **forms: Any) -> Response:
    context = plan_context(association, plan)
    context.update({k: v for k, v in forms.items() if v is not None})
    status = 400 if any(f is not None and f.has_errors for f in forms.values()) else 200
    if is_htmx():
        context["facts_oob"] = True  # the facts and adoption section change with the list
        hl = item_level(plan, kind, None)
        return block("plans/item.html", "item", status, kind=kind, hl=hl, **context)
    return whole("plans/plan.html", status, **context)


@bp.route("/a/<slug>/plans/<int:plan_id>/goals/<int:goal_id>", methods=["GET", "POST"])
def goal(slug: str, plan_id: int, goal_id: int) -> Response:
    """Show, edit or save one result goal."""
    association, plan = load_plan(slug, plan_id)
    goal = _goal(plan, goal_id)
    if request.method == "GET" and request.args.get("mode") != "edit":
        return _item(association, plan, "goal", goal, "view")
    require(policies.can_edit_plan(current_user, plan.group))
    form = GoalForm(formdata=None, obj=goal) if request.method == "GET" else GoalForm()
    scope_ids(form, f"goal-{goal.id}-edit")
    set_goal_choices(form, plan)
    if request.method == "GET":
        form.lock_version.data = str(goal.lock_version)
        return _item(association, plan, "goal", goal, "edit", form=form, conflict=None)
    return _save(
        association, plan, "goal", goal, form,
        lambda: services.update_goal(current_user, goal, form.to_data(), form.lock()),
        f"#goal-{goal.id}",
    )  # fmt: skip


@bp.route("/a/<slug>/plans/<int:plan_id>/goals/<int:goal_id>/delete", methods=["GET", "POST"])
def delete_goal(slug: str, plan_id: int, goal_id: int) -> Response | str:
    """Remove a result goal (GET asks first)."""
    association, plan = load_plan(slug, plan_id, edit=True)
    goal = _goal(plan, goal_id)
    if request.method == "GET":
        return confirm_delete(
            question=_("Remove this result goal?"),
            name=goal.title,
            button=_("Remove"),
            cancel=url_for(".show", slug=slug, plan_id=plan.id) + f"#goal-{goal.id}",
        )
    with atomic():
        services.delete_goal(current_user, goal)
    flash(_("The result goal was removed."), "success")
    return redirect(url_for(".show", slug=association.slug, plan_id=plan.id) + "#goals")


# --- activities -------------------------------------------------------------------


def _activity(plan: Plan, activity_id: int) -> Activity:
    activity = next((a for a in plan.activities if a.id == activity_id), None)
    require(activity is not None)
    assert activity is not None
    return activity


@bp.route("/a/<slug>/plans/<int:plan_id>/activities", methods=["POST"])
def add_activity(slug: str, plan_id: int) -> Response:
    """Add an activity."""
    association, plan = load_plan(slug, plan_id, edit=True)
    form = scope_ids(ActivityFields(), "new-activity")
    set_activity_choices(form, plan)
    if form.validate_on_submit():
        try:
            with atomic():
                activity = services.add_activity(current_user, plan, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if not is_htmx():
                flash(_("The activity was added."), "success")
                url = url_for(".show", slug=slug, plan_id=plan.id)
                return redirect(f"{url}#activity-{activity.id}")
            form = None
    return _list_response(association, plan, "activities", activity_form=form)


@bp.route("/a/<slug>/plans/<int:plan_id>/activities/<int:activity_id>", methods=["GET", "POST"])
def activity(slug: str, plan_id: int, activity_id: int) -> Response:
    """Show, edit or save one activity (the plan's editors)."""
    association, plan = load_plan(slug, plan_id)
    activity = _activity(plan, activity_id)
    if request.method == "GET" and request.args.get("mode") != "edit":
        return _item(association, plan, "activity", activity, "view")
    require(policies.can_edit_plan(current_user, plan.group))
    form = ActivityForm(formdata=None, obj=activity) if request.method == "GET" else ActivityForm()
    scope_ids(form, f"activity-{activity.id}")
    set_activity_choices(form, plan)
    if request.method == "GET":
        form.status.data = activity.status.value
        form.lock_version.data = str(activity.lock_version)
        return _item(association, plan, "activity", activity, "edit", form=form, conflict=None)
    return _save(
        association, plan, "activity", activity, form,
        lambda: services.update_activity(current_user, activity, form.to_data(), form.lock()),
        f"#activity-{activity.id}",
    )  # fmt: skip


@bp.route(
    "/a/<slug>/plans/<int:plan_id>/activities/<int:activity_id>/progress", methods=["GET", "POST"]
)
def progress(slug: str, plan_id: int, activity_id: int) -> Response:
    """Status and outcome: what the responsible member may update."""
    association, plan = load_plan(slug, plan_id)
    activity = _activity(plan, activity_id)
    require(policies.can_update_progress(current_user, plan.group, activity))
    form = ProgressForm(formdata=None, obj=activity) if request.method == "GET" else ProgressForm()
    scope_ids(form, f"progress-{activity.id}")
    if request.method == "GET":
        form.status.data = activity.status.value
        form.lock_version.data = str(activity.lock_version)
        return _item(association, plan, "progress", activity, "edit", form=form, conflict=None)
    return _save(
        association, plan, "progress", activity, form,
        lambda: services.update_progress(
            current_user, activity, ActivityStatus(form.status.data), form.outcome.data or "",
            form.lock(),
        ),
        f"#activity-{activity.id}",
    )  # fmt: skip


@bp.route(
    "/a/<slug>/plans/<int:plan_id>/activities/<int:activity_id>/delete", methods=["GET", "POST"]
)
def delete_activity(slug: str, plan_id: int, activity_id: int) -> Response | str:
    """Remove an activity (GET asks first)."""
    association, plan = load_plan(slug, plan_id, edit=True)
    activity = _activity(plan, activity_id)
    if request.method == "GET":
        return confirm_delete(
            question=_("Remove this activity?"),
            name=activity.what,
            button=_("Remove"),
            cancel=url_for(".show", slug=slug, plan_id=plan.id) + f"#activity-{activity.id}",
        )
    with atomic():
        services.delete_activity(current_user, activity)
    flash(_("The activity was removed."), "success")
    return redirect(url_for(".show", slug=association.slug, plan_id=plan.id) + "#activities")


# --- development areas ------------------------------------------------------------


@bp.route("/a/<slug>/plans/<int:plan_id>/development-areas", methods=["POST"])
def add_development_area(slug: str, plan_id: int) -> Response:
    """Add a development area."""
    association, plan = load_plan(slug, plan_id, edit=True)
    form = scope_ids(DevelopmentAreaForm(), "new-area")
    if form.validate_on_submit():
        with atomic():
            services.add_development_area(current_user, plan, form.title.data)
        flash(_("The development area was added."), "success")
        return redirect(url_for(".show", slug=slug, plan_id=plan.id) + "#development-areas")
    context = plan_context(association, plan)
    context["area_form"] = form
    return whole("plans/plan.html", 400, **context)


@bp.route(
    "/a/<slug>/plans/<int:plan_id>/development-areas/<int:area_id>/delete",
    methods=["GET", "POST"],
)
def delete_development_area(slug: str, plan_id: int, area_id: int) -> Response | str:
    """Remove a development area (GET asks first)."""
    _association, plan = load_plan(slug, plan_id, edit=True)
    area = db.session.get(DevelopmentArea, area_id)
    require(area is not None and area.plan_id == plan.id)
    assert area is not None
    if request.method == "GET":
        return confirm_delete(
            question=_("Remove this development area?"),
            name=area.title,
            button=_("Remove"),
            cancel=url_for(".show", slug=slug, plan_id=plan.id) + "#development-areas",
        )
    with atomic():
        services.delete_development_area(current_user, area)
    flash(_("The development area was removed."), "success")
    return redirect(url_for(".show", slug=slug, plan_id=plan.id) + "#development-areas")
