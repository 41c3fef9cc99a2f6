"""Saving the board summary's analysis texts and development areas.

Every change is a POST under ``/a/<slug>/reports/<year>/``. With htmx the
changed partial comes back; without JavaScript the browser is sent back to the board
summary (``reporting.summary``). The small page ``reporting.texts_page`` lists the
texts and areas on their own. A form that fails is shown
again with its errors (400; 409 for an edit conflict). Association admins write;
board members and process leaders only read; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.concurrency import StaleEditError
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.forms import choices as options
from portal.core.htmx import is_htmx, macro
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.organisations.models import Association
from portal.reporting import policies
from portal.reporting.blueprint import bp
from portal.reporting.forms import AnalysisForm, AreaEditForm, AreaForm, CarryForm
from portal.reporting.models import ReportPeriod
from portal.reporting.services import development, texts
from portal.reporting.views.common import load_board_association, require_year

SECTIONS = texts.SECTIONS
PREFIX = "/a/<slug>/reports/<int:year>"


def _load(slug: str, year: int, *, write: bool) -> Association:
    association = load_board_association(slug, write=write)
    require_year(year)
    return association


def _period() -> str:
    period = request.args.get("period", ReportPeriod.YEAR.value)
    return period if period in {p.value for p in ReportPeriod} else ReportPeriod.YEAR.value


def _back(association: Association, year: int, period: str, anchor: str) -> Response:
    target = url_for(".summary", slug=association.slug, year=year, period=period)
    return redirect(target + anchor)


def _page(association: Association, year: int, period: str, status: int, **extra: Any) -> Any:
    """The texts page, whole, with any failed form passed back in ``extra``."""
    context = _context(association, year, period)
    context.update(extra)
    return render_template("reporting/board_texts.html", **context), status


def _context(association: Association, year: int, period: str) -> dict[str, Any]:
    can_edit = policies.can_write_analysis(current_user, association.id)
    return {
        "association": association,
        "year": year,
        "period": period,
        "sections": SECTIONS,
        "texts": texts.analyses(association.id, year, period),
        "areas": development.development_areas(association.id, year),
        "choices": development.carry_choices(association.id, year) if can_edit else None,
        "can_edit": can_edit,
        "forms": {},
    }


@bp.route(f"{PREFIX}/texts")
def texts_page(slug: str, year: int) -> Any:
    """The analysis texts and development areas of one summary, on a page of their own."""
    association = _load(slug, year, write=False)
    return _page(association, year, _period(), 200)


# --- analysis texts -------------------------------------------------------------------


@bp.route(f"{PREFIX}/<period>/analysis/<section>", methods=["POST"])
def save_analysis(slug: str, year: int, period: str, section: str) -> Any:
    """Save one section's analysis text (409 with both versions if someone saved first)."""
    association = _load(slug, year, write=True)
    require(period in {p.value for p in ReportPeriod} and bool(texts.SECTION_RE.match(section)))
    form = AnalysisForm()
    conflict = None
    if form.validate_on_submit():
        try:
            with atomic():
                saved = texts.save_analysis(
                    current_user, association.id, year, period, section, form.body.data or "",
                    form.lock(),
                )  # fmt: skip
        except StaleEditError as error:
            current = error.current
            conflict = {
                "yours": form.body.data or "",
                "theirs": current.body,
                "by": current.updated_by.name if current.updated_by else "",
                "at": current.updated_at,
            }
            form.lock_version.data = str(current.lock_version)
            form.form_errors_extra.append(error.message)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if is_htmx():
                return macro(
                    "reporting/_analysis.html", "analysis", association, year, period, section,
                    saved, True, message=_("Saved."),
                )  # fmt: skip
            flash(_("The analysis was saved."), "success")
            return _back(association, year, period, f"#analysis-{section}")
    status = 409 if conflict else 400
    stored = texts.analysis(association.id, year, period, section)
    if is_htmx():
        return macro(
            "reporting/_analysis.html", "analysis", association, year, period, section, stored,
            True, form=form, conflict=conflict, status=status,
        )  # fmt: skip
    return _page(
        association, year, period, status,
        failed_section=section, analysis_form=form, conflict=conflict,
    )  # fmt: skip


# --- development areas ----------------------------------------------------------------


def _areas_response(
    association: Association, year: int, period: str, key: str | None = None, **extra: Any
) -> Any:
    """After an area change: the partial (htmx) or a redirect; a failed form re-shown."""
    form = extra.pop("form", None)
    notes: list[str] = extra.pop("notes", [])
    status = max(form.response_status(), 400) if form is not None else 200
    forms = {key: form} if form is not None and key else {}
    if is_htmx():
        return macro(
            "reporting/_development_areas.html", "development_areas",
            development.development_areas(association.id, year), True, association, year,
            period, development.carry_choices(association.id, year), forms=forms,
            message=" ".join(notes) or None, status=status,
        )  # fmt: skip
    if form is None:
        for note in notes:
            flash(note, "success")
        return _back(association, year, period, "#development-areas")
    return _page(association, year, period, status, forms=forms)


def _load_area(association: Association, year: int, area_id: int) -> Any:
    area = development.load_area(association.id, area_id)
    require(area is not None and area.year == year)
    return area


@bp.route(f"{PREFIX}/areas", methods=["POST"])
def add_area(slug: str, year: int) -> Any:
    """Record a development area."""
    association = _load(slug, year, write=True)
    form = AreaForm()
    if form.validate_on_submit():
        try:
            with atomic():
                development.add_area(current_user, association.id, year, _area_data(form))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _areas_response(association, year, _period(), notes=[_("Added.")])
    return _areas_response(association, year, _period(), "new", form=form)


def _area_data(form: AreaForm) -> development.AreaData:
    return development.AreaData(form.title.data or "", form.description.data or "")


@bp.route(f"{PREFIX}/areas/<int:area_id>", methods=["POST"])
def update_area(slug: str, year: int, area_id: int) -> Any:
    """Change a development area."""
    association = _load(slug, year, write=True)
    area = _load_area(association, year, area_id)
    form = AreaEditForm()
    if form.validate_on_submit():
        try:
            with atomic():
                development.update_area(current_user, area, _area_data(form), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _areas_response(association, year, _period(), notes=[_("Saved.")])
    return _areas_response(association, year, _period(), f"edit-{area_id}", form=form)


@bp.route(f"{PREFIX}/areas/<int:area_id>/delete", methods=["GET", "POST"])
def delete_area(slug: str, year: int, area_id: int) -> Any:
    """Remove a development area (what was carried stays in the plans; GET asks first)."""
    association = _load(slug, year, write=True)
    area = _load_area(association, year, area_id)
    if request.method == "GET":
        back = _back(association, year, _period(), f"#area-{area.id}").location
        return confirm_delete(
            question=_("Remove this development area?"),
            name=area.title,
            note=_("What was carried into plans stays there."),
            button=_("Remove"),
            cancel=back,
        )
    with atomic():
        development.delete_area(current_user, area)
    return _areas_response(association, year, _period(), notes=[_("Removed.")])


@bp.route(f"{PREFIX}/areas/<int:area_id>/carry", methods=["POST"])
def carry_area(slug: str, year: int, area_id: int) -> Any:
    """Carry an area into the chosen groups' plans for the next year."""
    association = _load(slug, year, write=True)
    area = _load_area(association, year, area_id)
    choices = development.carry_choices(association.id, year)
    form = CarryForm()
    form.group_ids.choices = options((g.id, g.name) for g in choices.groups)
    form.goal_area_id.choices = options(
        [(0, "–"), *((ga.id, ga.title) for ga in choices.goal_areas)]
    )
    if form.validate_on_submit():
        groups = [g for g in choices.groups if g.id in set(form.group_ids.data or [])]
        goal_area = next((ga for ga in choices.goal_areas if ga.id == form.goal_area_id.data), None)
        try:
            with atomic():
                result = development.carry(current_user, area, groups, form.kind.data, goal_area)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _areas_response(association, year, _period(), notes=_carry_notes(year, result))
    return _areas_response(association, year, _period(), f"carry-{area_id}", form=form)


def _carry_notes(year: int, result: development.CarryResult) -> list[str]:
    notes = []
    if result.targets:
        names = ", ".join(sorted(t.plan.group.name for t in result.targets))
        notes.append(
            _("Carried into the %(year)d plans of: %(groups)s.", year=year + 1, groups=names)
        )
    if result.without_plan:
        names = ", ".join(g.name for g in result.without_plan)
        notes.append(
            _("No plan for %(year)d yet, so not carried: %(groups)s.", year=year + 1, groups=names)
        )
    return notes
