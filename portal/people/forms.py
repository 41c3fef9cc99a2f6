"""Forms for the people register and roles."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from portal.core.forms import BaseForm, MultiCheckboxField, VersionedForm, choices, name_field
from portal.organisations.models import ASSOCIATION_ROLE_LABELS, AssociationRoleName
from portal.people.services import PersonData


class PersonForm(BaseForm):
    """Name and e-mail of a person."""

    name = name_field(_l("Name"))
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )

    def to_data(self) -> PersonData:
        return PersonData(name=self.name.data, email=self.email.data)


class PersonEditForm(PersonForm, VersionedForm):
    """Change a person's name and e-mail."""


class NewPersonForm(PersonForm):
    """Invite a person to the register (they are registered when they accept)."""


class RolesForm(VersionedForm):
    """The person's association-wide roles (versioned on their row of the register)."""

    roles = MultiCheckboxField(
        _l("Roles in the association"),
        choices=choices((r.value, label) for r, label in ASSOCIATION_ROLE_LABELS.items()),
    )

    def role_set(self) -> set[AssociationRoleName]:
        return {AssociationRoleName(r) for r in self.roles.data or []}

    def fill_stored(self, obj: Any) -> None:
        """``obj`` is the person's row of the register: their roles there now."""
        from portal.people.services import roles_of

        self.roles.data = sorted(r.value for r in roles_of(obj.user, obj.association))
