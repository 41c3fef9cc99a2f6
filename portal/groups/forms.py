"""Forms for groups and memberships."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional, ValidationError

from portal.core.forms import BaseForm, MultiCheckboxField, VersionedForm, choices, name_field
from portal.groups.models import ROLE_LABELS, MembershipRole
from portal.groups.services import GroupData, MembershipData


class GroupForm(BaseForm):
    """Name a group and choose the municipalities it covers."""

    name = name_field(_l("Name"))
    municipalities = MultiCheckboxField(_l("Municipalities covered"), coerce=int)

    def to_data(self) -> GroupData:
        return GroupData(name=self.name.data, municipality_ids=list(self.municipalities.data or []))


class GroupEditForm(GroupForm, VersionedForm):
    """Rename a group or change its municipalities."""

    def fill_stored(self, obj: Any) -> None:
        self.municipalities.data = [a.id for a in obj.municipalities]


class MembershipForm(BaseForm):
    """Seat a person in a group."""

    user_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[DataRequired()])
    role = SelectField(
        _l("Role"),
        choices=choices((r.value, label) for r, label in ROLE_LABELS.items()),
        default=MembershipRole.MEMBER.value,
        validators=[DataRequired()],
    )
    valid_from = DateField(_l("From"), validators=[DataRequired()])
    valid_to = DateField(_l("To (optional)"), validators=[Optional()])

    def validate_valid_to(self, field: DateField) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def to_data(self) -> MembershipData:
        return MembershipData(
            user_id=self.user_id.data,
            agency_id=self.agency_id.data,
            role=MembershipRole(self.role.data),
            valid_from=self.valid_from.data,
            valid_to=self.valid_to.data,
        )


class EndMembershipForm(VersionedForm):
    """End a membership on a date."""

    valid_to = DateField(_l("Last day"), validators=[DataRequired()])
