"""Forms for the board's own words: analysis texts and development areas.

The partials in ``templates/reporting`` write their inputs by hand (the summary page
that includes them has no form objects); these classes validate what they post, and
when a post fails the view passes the form back so its values and errors show.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import BaseForm, MultiCheckboxField, VersionedForm, choices
from portal.reporting.models import TEXT_MAX, TITLE_MAX


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


class AnalysisForm(VersionedForm):
    """A section's analysis text, with the version the form was opened on (0: none)."""

    body = TextAreaField(
        _l("Analysis"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[_strip],
        description=_l("Markdown is allowed."),
    )


class AreaForm(BaseForm):
    """A development area."""

    title = StringField(
        _l("Development area"),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        filters=[_strip],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[_strip],
        description=_l("Markdown is allowed."),
    )


class AreaEditForm(AreaForm, VersionedForm):
    """Change a development area."""


class CarryForm(BaseForm):
    """Carry an area into next year's plans of the chosen groups."""

    group_ids = MultiCheckboxField(_l("Groups"), coerce=int, validators=[DataRequired()])
    kind = RadioField(
        _l("Carry as"),
        choices=choices([("goal", _l("A result goal")), ("activity", _l("An activity"))]),
        validators=[DataRequired()],
    )
    goal_area_id = SelectField(_l("Goal area (for a result goal)"), coerce=_int_or_none)
