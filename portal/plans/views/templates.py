"""The plan template: versions, the draft's sections and fields, publishing, comparing."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.htmx import whole
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.extensions import db
from portal.organisations.loaders import load_admin_association, load_association
from portal.organisations.models import Association
from portal.plans import policies
from portal.plans.blueprint import bp
from portal.plans.forms import (
    CompareForm,
    FieldEditForm,
    FieldForm,
    PublishForm,
    SectionEditForm,
    SectionForm,
)
from portal.plans.models import FIELD_KIND_LABELS, TemplateField, TemplateSection, TemplateVersion
from portal.plans.services import templates as services
from portal.plans.services.compare import compare


def _reader(slug: str) -> Association:
    association = load_association(slug)
    require(policies.can_read_templates(current_user, association.id))
    return association


def _version(association: Association, version_id: int) -> TemplateVersion:
    version = services.load_version(association, version_id)
    require(version is not None)
    assert version is not None
    return version


def _section(association: Association, section_id: int) -> TemplateSection:
    section = db.session.get(TemplateSection, section_id)
    require(section is not None and section.version.association_id == association.id)
    assert section is not None
    return section


def _field(association: Association, field_id: int) -> TemplateField:
    field = db.session.get(TemplateField, field_id)
    require(field is not None and field.section.version.association_id == association.id)
    assert field is not None
    return field


def _compare_form(association: Association, versions: list[TemplateVersion]) -> CompareForm:
    form = CompareForm(request.args)
    published = [v for v in versions if not v.is_draft] + [v for v in versions if v.is_draft]
    labelled = [(v.id, _version_label(v)) for v in published]
    from portal.core.forms import choices

    form.old.choices = choices(labelled)
    form.new.choices = choices(labelled)
    return form


def _version_label(version: TemplateVersion) -> str:
    if version.is_draft:
        return _("Version %(n)d (draft)", n=version.number)
    return _("Version %(n)d", n=version.number)


@bp.route("/a/<slug>/plan-template")
def template_index(slug: str) -> Response:
    """Every version of the template, the draft, and the form that compares two."""
    association = _reader(slug)
    versions = services.versions(association)
    return whole(
        "plans/template_index.html",
        association=association,
        versions=versions,
        draft=next((v for v in versions if v.is_draft), None),
        compare_form=_compare_form(association, versions),
        can_manage=policies.can_manage_templates(current_user, association.id),
    )


@bp.route("/a/<slug>/plan-template/draft", methods=["POST"])
def start_draft(slug: str) -> Response:
    """Start a draft from the newest published version."""
    association = load_admin_association(slug)
    try:
        with atomic():
            draft = services.start_draft(current_user, association)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".template_index", slug=slug))
    return redirect(url_for(".template_version", slug=slug, version_id=draft.id))


def _version_page(
    association: Association,
    version: TemplateVersion,
    *,
    section_form: SectionForm | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    can_manage = policies.can_manage_templates(current_user, association.id)
    return whole(
        "plans/template_version.html",
        status,
        association=association,
        version=version,
        editable=can_manage and version.is_draft,
        section_form=section_form or SectionForm(formdata=None),
        publish_form=publish_form or PublishForm(formdata=None),
        kind_labels=FIELD_KIND_LABELS,
        error=error,
        previous=_previous(association, version),
    )


def _previous(association: Association, version: TemplateVersion) -> TemplateVersion | None:
    earlier = [
        v for v in services.versions(association) if v.number < version.number and not v.is_draft
    ]
    return earlier[0] if earlier else None


@bp.route("/a/<slug>/plan-template/versions/<int:version_id>")
def template_version(slug: str, version_id: int) -> Response:
    """A version: read-only once published, editable as a draft."""
    association = _reader(slug)
    return _version_page(association, _version(association, version_id))


@bp.route("/a/<slug>/plan-template/versions/<int:version_id>/sections", methods=["POST"])
def add_section(slug: str, version_id: int) -> Response:
    """Add a section to the draft."""
    association = load_admin_association(slug)
    version = _version(association, version_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                services.add_section(current_user, version, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The section was added."), "success")
            return redirect(url_for(".template_version", slug=slug, version_id=version.id))
    return _version_page(association, version, section_form=form, status=form.status)


@bp.route("/a/<slug>/plan-template/versions/<int:version_id>/publish", methods=["POST"])
def publish(slug: str, version_id: int) -> Response:
    """Publish the draft as an immutable version with a change note."""
    association = load_admin_association(slug)
    version = _version(association, version_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            with atomic():
                services.publish(current_user, version, form.change_note.data or "")
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("Version %(n)d was published.", n=version.number), "success")
            return redirect(url_for(".template_version", slug=slug, version_id=version.id))
    return _version_page(association, version, publish_form=form, status=form.status)


def _edit_page(
    association: Association, form: SectionForm | FieldForm, **context: object
) -> Response:
    return whole(
        "plans/template_item.html",
        form.response_status(),
        association=association,
        form=form,
        **context,
    )


def _refusal(version: TemplateVersion) -> str | None:
    try:
        services.require_draft(version)
    except DomainError as error:
        return error.message
    return None


@bp.route("/a/<slug>/plan-template/sections/<int:section_id>/edit", methods=["GET", "POST"])
def edit_section(slug: str, section_id: int) -> Response:
    """Change a section's title and guidance."""
    association = load_admin_association(slug)
    section = _section(association, section_id)
    form = SectionEditForm(obj=section) if request.method == "GET" else SectionEditForm()
    if request.method == "GET" and (refusal := _refusal(section.version)):
        form.form_errors_extra.append(refusal)
    if form.validate_on_submit():
        try:
            with atomic():
                services.update_section(current_user, section, form.to_data(), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".template_version", slug=slug, version_id=section.version_id))
    return _edit_page(association, form, version=section.version, section=section, field=None)


@bp.route("/a/<slug>/plan-template/sections/<int:section_id>/fields", methods=["GET", "POST"])
def add_field(slug: str, section_id: int) -> Response:
    """Add a field to a section of the draft."""
    association = load_admin_association(slug)
    section = _section(association, section_id)
    form = FieldForm()
    if request.method == "GET" and (refusal := _refusal(section.version)):
        form.form_errors_extra.append(refusal)
    if form.validate_on_submit():
        try:
            with atomic():
                services.add_field(current_user, section, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The field was added."), "success")
            return redirect(url_for(".template_version", slug=slug, version_id=section.version_id))
    return _edit_page(association, form, version=section.version, section=section, field=None)


@bp.route("/a/<slug>/plan-template/fields/<int:field_id>/edit", methods=["GET", "POST"])
def edit_field(slug: str, field_id: int) -> Response:
    """Change a field of the draft."""
    association = load_admin_association(slug)
    field = _field(association, field_id)
    form = FieldEditForm(obj=field) if request.method == "GET" else FieldEditForm()
    if request.method == "GET":
        form.kind.data = field.kind.value
        if refusal := _refusal(field.section.version):
            form.form_errors_extra.append(refusal)
    if form.validate_on_submit():
        try:
            with atomic():
                services.update_field(current_user, field, form.to_data(), form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(
                url_for(".template_version", slug=slug, version_id=field.section.version_id)
            )
    return _edit_page(
        association, form, version=field.section.version, section=field.section, field=field
    )


@bp.route("/a/<slug>/plan-template/<kind>/<int:item_id>/<action>", methods=["GET", "POST"])
def change_item(slug: str, kind: str, item_id: int, action: str) -> Response | str:
    """Move a section or field up or down, or remove it from the draft (GET asks first)."""
    association = load_admin_association(slug)
    require(kind in {"sections", "fields"} and action in {"up", "down", "delete"})
    require(request.method == "POST" or action == "delete")
    item: TemplateSection | TemplateField = (
        _section(association, item_id) if kind == "sections" else _field(association, item_id)
    )
    version = item.version if isinstance(item, TemplateSection) else item.section.version
    if request.method == "GET":
        section = isinstance(item, TemplateSection)
        return confirm_delete(
            question=_("Remove the section and its fields?") if section else _("Remove the field?"),
            name=item.title if isinstance(item, TemplateSection) else item.label,
            button=_("Remove"),
            cancel=url_for(".template_version", slug=slug, version_id=version.id),
        )
    try:
        with atomic():
            if isinstance(item, TemplateSection):
                if action == "delete":
                    services.delete_section(current_user, item)
                else:
                    services.move_section(current_user, item, -1 if action == "up" else 1)
            elif action == "delete":
                services.delete_field(current_user, item)
            else:
                services.move_field(current_user, item, -1 if action == "up" else 1)
    except DomainError as error:
        return _version_page(association, version, status=400, error=error.message)
    return redirect(url_for(".template_version", slug=slug, version_id=version.id))


@bp.route("/a/<slug>/plan-template/compare")
def compare_versions(slug: str) -> Response:
    """What changed between two versions, section by section and field by field."""
    association = _reader(slug)
    versions = services.versions(association)
    form = _compare_form(association, versions)
    by_id = {v.id: v for v in versions}
    diff = None
    if form.validate() and form.old.data in by_id and form.new.data in by_id:
        old, new = by_id[form.old.data], by_id[form.new.data]
        if old.number > new.number:
            old, new = new, old
        diff = compare(old, new)
    status = 200 if diff is not None or not request.args else 400
    return whole(
        "plans/template_compare.html",
        status,
        association=association,
        form=form,
        diff=diff,
        kind_labels=FIELD_KIND_LABELS,
    )
