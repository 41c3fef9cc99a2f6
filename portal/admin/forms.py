"""Platform administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from portal.core.forms import BaseForm
from portal.people.forms import PersonForm


class AssociationAdminForm(PersonForm):
    """Appoint an administrator of an association by name and e-mail."""


class NationalUploadForm(BaseForm):
    """Upload a CSV file of national reference shares."""

    file = FileField(
        _l("CSV file with national figures"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l(
            "Columns year;question_code;share_positive;respondents. A year in the file"
            " replaces the figures already loaded for that year."
        ),
    )
