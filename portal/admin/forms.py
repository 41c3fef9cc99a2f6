"""Platform administration forms."""

from __future__ import annotations

from portal.people.forms import PersonForm


class AssociationAdminForm(PersonForm):
    """Appoint an administrator of an association by name and e-mail."""
