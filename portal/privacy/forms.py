"""Forms of the privacy domain: statements, retention rules, finding a person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.core.forms import BaseForm, VersionedForm, choices
from portal.privacy.models import Compliance

TEXT_MAX = 50_000
COMPLIANCE_LABELS = {
    Compliance.FULL.value: _l("Fully compliant with the requirements"),
    Compliance.PARTIAL.value: _l("Partially compliant with the requirements"),
    Compliance.NONE.value: _l("Not compliant with the requirements"),
}


class PrivacyNoticeForm(VersionedForm):
    """An association's privacy notice (Markdown)."""

    body = TextAreaField(
        _l("Privacy notice"),
        validators=[Length(max=TEXT_MAX)],
        description=_l(
            "Markdown. Per category of personal data: purposes, legal basis, how long it is "
            "kept and who receives it."
        ),
        render_kw={"rows": 20},
    )
    contact = TextAreaField(
        _l("Contact and data protection officer"),
        validators=[Length(max=TEXT_MAX)],
        description=_l("Markdown. How to reach the controller and its data protection officer."),
        render_kw={"rows": 5},
    )


class AccessibilityForm(VersionedForm):
    """The accessibility statement, in the parts DIGG prescribes."""

    compliance = SelectField(
        _l("Compliance status"),
        choices=choices(COMPLIANCE_LABELS.items()),
        validators=[InputRequired()],
    )
    body = TextAreaField(
        _l("Known shortcomings"),
        validators=[Length(max=TEXT_MAX)],
        description=_l("Markdown. What is not yet accessible, and why."),
        render_kw={"rows": 12},
    )
    contact = TextAreaField(
        _l("How to report a problem"),
        validators=[Length(max=TEXT_MAX)],
        description=_l("Markdown. Where to send feedback or ask for content in another form."),
        render_kw={"rows": 5},
    )
    reviewed_on = DateField(_l("Last reviewed"), validators=[Optional()])


class RetentionRuleForm(VersionedForm):
    """One retention rule's period."""

    days = IntegerField(
        _l("Days kept"),
        validators=[
            InputRequired(),
            NumberRange(min=1, max=36500, message=_l("Between 1 and 36,500 days.")),
        ],
    )


class PersonSearchForm(BaseForm):
    """Find a person by name or e-mail address."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail address"), validators=[Length(max=254)])
