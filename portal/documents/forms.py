"""The upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from portal.core.forms import BaseForm
from portal.documents.models import TITLE_MAX
from portal.documents.services import content


class DocumentForm(BaseForm):
    """Attach one file; its type is decided from its content by the service."""

    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=TITLE_MAX)],
        description=_l("For example “Agenda” or “Presentation by Region Gävleborg”."),
    )
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file to attach."))],
        render_kw={"accept": ",".join(content.accepted_extensions())},
    )

    def set_limit_hint(self, limit_mb: int) -> None:
        """Say which files are accepted, with this installation's size limit."""
        self.file.description = _l(
            "PDF, Word, Excel, PowerPoint, OpenDocument, PNG or JPEG, at most %(n)d MB.",
            n=limit_mb,
        )
