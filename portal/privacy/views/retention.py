"""The retention rules: what is kept how long, set by the platform admin."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.privacy.blueprint import bp
from portal.privacy.forms import RetentionRuleForm
from portal.privacy.services import retention


def _forms(
    failed: RetentionRuleForm | None = None, category: str = ""
) -> list[tuple[retention.RuleSetting, RetentionRuleForm]]:
    out = []
    for setting in retention.settings():
        if failed is not None and setting.rule.category == category:
            out.append((setting, failed))
            continue
        form = RetentionRuleForm(
            formdata=None, data={"days": setting.days, "lock_version": str(setting.lock_version)},
            id_prefix=f"rule-{setting.rule.category}",
        )  # fmt: skip
        out.append((setting, form))
    return out


@bp.route("/platform/retention")
def retention_rules() -> str:
    """Every rule with its period, and what is kept as records."""
    return render_template("privacy/retention.html", rules=_forms(), kept=retention.KEPT_AS_RECORDS)


@bp.route("/platform/retention/<category>", methods=["POST"])
def retention_save(category: str) -> Response | tuple[str, int]:
    """Change one rule's period (409 with both values if someone changed it first)."""
    if category not in retention.RULES_BY_CATEGORY:
        abort(404)
    form = RetentionRuleForm(id_prefix=f"rule-{category}")
    if form.validate_on_submit():
        try:
            with atomic():
                retention.set_days(current_user, category, form.days.data, form.lock())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The retention rule was saved."), "success")
            return redirect(url_for(".retention_rules"))
    page = render_template(
        "privacy/retention.html", rules=_forms(form, category), kept=retention.KEPT_AS_RECORDS
    )
    return page, form.status
