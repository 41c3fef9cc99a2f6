"""Forms of the national domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired, Length

from portal.core.forms import BaseForm, VersionedForm


class NamingForm(VersionedForm):
    """An association's choice of being named in the national compilation."""

    named_nationally = BooleanField(
        _l("Show our association by name in the national compilation"),
        description=_l(
            "If not, the association's figures still count in the national totals,"
            " but it is listed nowhere by name."
        ),
    )


class AppointForm(BaseForm):
    """Give an existing account the national network role."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
