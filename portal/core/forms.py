"""Form helpers shared by every domain."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Choice, Field, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.errors import DomainError


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class RequiredSelectField(SelectField):
    """A select that must be answered. HTML asks that a required select start with an
    empty option, so that nothing is chosen until the person chooses: a first choice
    with a false value (the view's "Choose a person", 0) becomes that option, else an
    empty "Choose…" is put first. Choosing it reads as missing (``data`` None), which
    the field's required validator reports, not as an invalid choice.
    """

    def iter_choices(self) -> list[Choice]:
        choices = list(super().iter_choices())
        unchosen = self.data in (None, "", 0)
        if choices and not choices[0].value:
            first = choices[0]
            choices[0] = Choice("", first.label, unchosen, first.render_kw)
        else:
            choices.insert(0, Choice("", _("Choose…"), unchosen, {}))
        return choices

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and valuelist[0] == "":
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            super().pre_validate(form)


def _is_required(unbound: UnboundField) -> bool:
    validators = unbound.kwargs.get("validators") or (unbound.args[1:2] or [()])[0] or ()
    return any(isinstance(v, (DataRequired, InputRequired)) for v in validators)


class BaseForm(FlaskForm):
    """A form that can carry a service's ``DomainError`` back to the right field.

    Its elements' ids start with the form's own prefix (``GoalForm`` → ``goal-title``,
    ``goal-csrf_token``), so that forms of different kinds share a page without sharing
    an id; a page that shows several forms of one kind passes each its own ``id_prefix``
    (``goal-12-edit``). Only ids change: field names, and so what the form posts, stay.
    A form built with WTForms' own ``prefix`` (which renames the fields too) keeps the
    ids WTForms gives it.
    """

    class Meta:
        def bind_field(self, form: Any, unbound_field: UnboundField, options: Any) -> Field:
            """Every required select is a :class:`RequiredSelectField`."""
            if unbound_field.field_class is SelectField and _is_required(unbound_field):
                unbound_field = UnboundField(
                    RequiredSelectField, *unbound_field.args, **unbound_field.kwargs
                )
            return super().bind_field(form, unbound_field, options)  # type: ignore[misc]

    form_errors_extra: list[str]
    # None: derived from the class name. "" keeps WTForms' ids (the survey's questions).
    ID_PREFIX: ClassVar[str | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        id_prefix: str | None = kwargs.pop("id_prefix", None)
        super().__init__(*args, **kwargs)
        self.form_errors_extra = []
        if id_prefix is None:
            id_prefix = "" if kwargs.get("prefix") else self.default_id_prefix()
        if id_prefix:
            for field in self:
                field.id = f"{id_prefix}-{field.id}"
                field.label.field_id = field.id

    @classmethod
    def default_id_prefix(cls) -> str:
        """``ID_PREFIX``, else the class name: ``GoalAreaForm`` → ``goal-area``."""
        if cls.ID_PREFIX is not None:
            return cls.ID_PREFIX
        return _kebab(cls.__name__.removesuffix("Form"))

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
