"""Forms for associations and agencies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from portal.core.forms import BaseForm, VersionedForm, choices, name_field
from portal.organisations.models import AGENCY_KIND_LABELS, AgencyKind
from portal.organisations.services import AgencyData, AssociationData


class AssociationForm(BaseForm):
    """Create or edit an association (platform administrators)."""

    name = name_field(_l("Name"))
    slug = StringField(
        _l("Short name in addresses"),
        validators=[DataRequired(), Length(max=64)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        description=_l("Lower-case letters, digits and hyphens, e.g. gavleborg."),
    )
    min_survey_answers = IntegerField(
        _l("Minimum answers before a survey figure is shown"),
        default=3,
        validators=[DataRequired(), NumberRange(min=1, max=50)],
    )

    meeting_reminder_days = IntegerField(
        _l("Days before a meeting that its reminder goes out"),
        default=5,
        description=_l("To those who have not answered the notice, and to substitutes."),
        validators=[DataRequired(), NumberRange(min=1, max=60)],
    )
    require_two_factor = BooleanField(
        _l("Administrators and board members must use two-factor sign-in")
    )

    def to_data(self) -> AssociationData:
        return AssociationData(
            name=self.name.data,
            slug=self.slug.data,
            min_survey_answers=self.min_survey_answers.data,
            require_two_factor=bool(self.require_two_factor.data),
            meeting_reminder_days=self.meeting_reminder_days.data,
        )


class AssociationEditForm(AssociationForm, VersionedForm):
    """Edit an association."""


class AgencyForm(BaseForm):
    """Create or edit a member agency."""

    name = name_field(_l("Name"))
    kind = SelectField(
        _l("Kind"),
        choices=choices((k.value, label) for k, label in AGENCY_KIND_LABELS.items()),
        validators=[DataRequired()],
    )

    def to_data(self) -> AgencyData:
        return AgencyData(name=self.name.data, kind=AgencyKind(self.kind.data))


class AgencyEditForm(AgencyForm, VersionedForm):
    """Edit a member agency."""
