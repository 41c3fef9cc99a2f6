"""The accessibility statement and the privacy notices: public pages and their editing."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.security import public
from portal.core.transactions import atomic
from portal.extensions import db
from portal.organisations.models import Association
from portal.privacy.blueprint import bp
from portal.privacy.forms import COMPLIANCE_LABELS, AccessibilityForm, PrivacyNoticeForm
from portal.privacy.services import retention, statements
from portal.privacy.services.statements import ACCESSIBILITY_KEY, StatementData

DIGG_FORM_URL = "https://www.digg.se/tdosanmalan"


@bp.route("/tillganglighet")
@public
def accessibility() -> str:
    """The accessibility statement (tillgänglighetsredogörelse), in DIGG's structure."""
    return render_template(
        "privacy/accessibility.html",
        statement=statements.accessibility(),
        compliance_labels=COMPLIANCE_LABELS,
        digg_url=DIGG_FORM_URL,
        as_html=statements.as_html,
    )


@bp.route("/integritet")
@public
def notices() -> str:
    """Every association's privacy notice, to choose from."""
    associations = db.session.scalars(sa.select(Association).order_by(Association.name)).all()
    return render_template("privacy/notices.html", associations=associations)


@bp.route("/a/<slug>/integritet")
@public
def privacy_notice(slug: str) -> str:
    """An association's privacy notice: public, as the law wants it."""
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None:
        abort(404)
    return render_template(
        "privacy/privacy_notice.html",
        association=association,
        statement=statements.privacy_notice(association.id),
        rules=retention.settings(),
        kept=retention.KEPT_AS_RECORDS,
        as_html=statements.as_html,
    )


@bp.route("/platform/tillganglighet", methods=["GET", "POST"])
def edit_accessibility() -> Response | tuple[str, int]:
    """Edit the accessibility statement (platform admin)."""
    stored = statements.accessibility() or statements.blank(ACCESSIBILITY_KEY, None)
    form = AccessibilityForm(obj=stored) if request.method == "GET" else AccessibilityForm()
    if form.validate_on_submit():
        data = StatementData(
            body=form.body.data or "", contact=form.contact.data or "",
            compliance=form.compliance.data, reviewed_on=form.reviewed_on.data,
        )  # fmt: skip
        try:
            with atomic():
                statements.save(current_user, ACCESSIBILITY_KEY, None, data, form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The accessibility statement was saved."), "success")
            return redirect(url_for(".accessibility"))
    return render_template("privacy/edit_accessibility.html", form=form), form.status


@bp.route("/platform/associations/<int:association_id>/integritet", methods=["GET", "POST"])
def edit_privacy(association_id: int) -> Response | tuple[str, int]:
    """Edit an association's privacy notice (platform admin)."""
    association = db.session.get(Association, association_id)
    if association is None:
        abort(404)
    key = statements.privacy_key(association.id)
    stored = statements.privacy_notice(association.id) or statements.blank(key, association.id)
    form = PrivacyNoticeForm(obj=stored) if request.method == "GET" else PrivacyNoticeForm()
    if form.validate_on_submit():
        data = StatementData(body=form.body.data or "", contact=form.contact.data or "")
        try:
            with atomic():
                statements.save(current_user, key, association.id, data, form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The privacy notice was saved."), "success")
            return redirect(url_for(".privacy_notice", slug=association.slug))
    return render_template(
        "privacy/edit_privacy.html", form=form, association=association
    ), form.status
