"""Form helpers shared by every domain."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Choice,
    DateField,
    Field,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.concurrency import StaleEditError, parse_version, version_field
from portal.core.errors import DomainError

# Fields that are not shown in a conflict: they carry no one's words.
_PLUMBING = ("CSRFTokenField", "HiddenField", "SubmitField")


@dataclass
class Conflict:
    """Two versions of one object: per field its label, what the person typed (kept in
    the form) and what is stored now; with who saved the stored one, and when."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    by: str = ""
    at: dt.datetime | None = None


def _options(f: Any) -> list[Any]:
    """A choice field's options, also where they come in groups (``<optgroup>``)."""
    found = f.choices or []
    if isinstance(found, dict):
        return [option for group in found.values() for option in group]
    return list(found)


def display(f: Any) -> str:
    """A field's value in words, as the person sees it in the form."""
    data = f.data
    if isinstance(f, BooleanField):
        return _("Yes") if data else _("No")
    if isinstance(f, SelectMultipleField):
        chosen = {str(v) for v in data or []}
        return ", ".join(str(c.label) for c in _options(f) if str(c.value) in chosen)
    if isinstance(f, SelectField) or f.type == "RadioField":
        labels = {str(c.value): str(c.label) for c in _options(f)}
        return "" if data in (None, "") else labels.get(str(data), str(data))
    if isinstance(f, TimeField | DateField):
        return data.strftime("%H:%M" if isinstance(f, TimeField) else "%Y-%m-%d") if data else ""
    return "" if data is None else str(data)


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
    """A form that can carry a service's ``DomainError`` back to the right field, and a
    stale save's conflict (both versions) back to the page.

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
    conflict: Conflict | None
    # None: derived from the class name. "" keeps WTForms' ids (the survey's questions).
    ID_PREFIX: ClassVar[str | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        id_prefix: str | None = kwargs.pop("id_prefix", None)
        super().__init__(*args, **kwargs)
        self.form_errors_extra = []
        self.conflict = None
        if id_prefix is None:
            id_prefix = "" if kwargs.get("prefix") else self.default_id_prefix()
        if id_prefix:
            for bound in self:
                bound.id = f"{id_prefix}-{bound.id}"
                bound.label.field_id = bound.id

    @classmethod
    def default_id_prefix(cls) -> str:
        """``ID_PREFIX``, else the class name: ``GoalAreaForm`` → ``goal-area``."""
        if cls.ID_PREFIX is not None:
            return cls.ID_PREFIX
        return _kebab(cls.__name__.removesuffix("Form"))

    def add_domain_error(self, error: DomainError) -> None:
        """Show the error next to its field, or at the top of the form; a stale save
        also shows what is stored next to what was typed."""
        if isinstance(error, StaleEditError):
            self.add_conflict(error)
            return
        field_ = getattr(self, error.field, None) if error.field else None
        if field_ is not None and not isinstance(field_, HiddenField):
            field_.errors = [*field_.errors, error.message]
        else:
            self.form_errors_extra.append(error.message)

    def fill_stored(self, obj: Any) -> None:
        """Set the fields that do not map one to one onto ``obj``'s attributes
        (forms with such fields override this; used for the stored side of a conflict)."""

    def stored_version(self, obj: Any) -> BaseForm:
        """The same form showing what ``obj`` holds now."""
        theirs = type(self)(formdata=None, obj=obj, prefix=self._prefix, meta={"csrf": False})
        for mine in self:
            other = theirs._fields.get(mine.short_name)
            if other is not None and hasattr(mine, "choices"):
                other.choices = mine.choices
        theirs.fill_stored(obj)
        return theirs

    def add_conflict(self, error: StaleEditError) -> None:
        """Keep what was typed, show it next to what is stored, and take on the stored
        version so that saving again (after reading both) replaces it."""
        from portal.core.audit import last_change

        current = error.current
        theirs = self.stored_version(current)
        rows = [
            (str(mine.label.text), display(mine), display(theirs[mine.short_name]))
            for mine in self
            if mine.type not in _PLUMBING and mine.short_name in theirs._fields
        ]
        event = last_change(current) if getattr(current, "id", None) is not None else None
        self.conflict = Conflict(
            rows=rows,
            by=event.actor.name if event is not None and event.actor is not None else "",
            at=event.occurred_at if event is not None else None,
        )
        version = getattr(self, "lock_version", None)
        if version is not None:
            version.data = str(current.lock_version)
        self.form_errors_extra.append(error.message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or bool(self.form_errors_extra)

    def response_status(self) -> int:
        """409 for a conflict, 400 when the page re-shows the form with errors, else 200."""
        if self.conflict is not None:
            return 409
        return 400 if self.has_errors else 200

    @property
    def status(self) -> int:
        """``response_status()``, for forms without a field of that name."""
        return self.response_status()


class VersionedForm(BaseForm):
    """A form that edits a shared object and carries the version it was opened on."""

    lock_version = version_field()

    def lock(self) -> int | None:
        """The version the form was opened on (None when it did not say)."""
        return parse_version(self.lock_version.data)


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes in a fieldset; keyboard and screen-reader friendly."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def name_field(label: str | LazyString | None = None, max_length: int = 200) -> StringField:
    """A required, stripped, length-limited name."""
    return StringField(
        label or _l("Name"),
        validators=[DataRequired(), Length(max=max_length)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
