"""Form helpers shared by every domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.errors import DomainError


class BaseForm(FlaskForm):
    """A form that can carry a service's ``DomainError`` back to the right field."""

    form_errors_extra: list[str]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.form_errors_extra = []

    def add_domain_error(self, error: DomainError) -> None:
        """Show the error next to its field, or at the top of the form."""
        field = getattr(self, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            self.form_errors_extra.append(error.message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or bool(self.form_errors_extra)

    @property
    def status(self) -> int:
        """400 when the page re-shows the form with errors, else 200."""
        return 400 if self.has_errors else 200


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes in a fieldset; keyboard and screen-reader friendly."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def name_field(label: str | None = None, max_length: int = 200) -> StringField:
    """A required, stripped, length-limited name."""
    return StringField(
        label or _l("Name"),
        validators=[DataRequired(), Length(max=max_length)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
