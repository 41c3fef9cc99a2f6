"""Forms for goal areas, templates and plans. Every text is stripped and length-limited."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core.forms import BaseForm, VersionedForm, choices
from portal.plans.models import (
    ACTIVITY_STATUS_LABELS,
    FIELD_KIND_LABELS,
    LINE_MAX,
    TEXT_MAX,
    ActivityStatus,
    FieldKind,
)
from portal.plans.services.goal_areas import GoalAreaData
from portal.plans.services.items import ActivityData, GoalData
from portal.plans.services.plans import Source
from portal.plans.services.templates import FieldData, SectionData


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def line(label: Any, required: bool = False, **kw: Any) -> StringField:
    """A one-line text input."""
    validators = [DataRequired()] if required else [Optional()]
    return StringField(
        label, validators=[*validators, Length(max=LINE_MAX)], filters=[_strip], **kw
    )


def text(label: Any, required: bool = False, **kw: Any) -> TextAreaField:
    """A multi-line text input."""
    validators = [DataRequired()] if required else [Optional()]
    return TextAreaField(
        label, validators=[*validators, Length(max=TEXT_MAX)], filters=[_strip], **kw
    )


def _none_if_zero(value: Any) -> int | None:
    return int(value) or None if value not in (None, "") else None


class LockedForm(VersionedForm):
    """A form that carries the version of the item it edits (optimistic locking)."""


class GoalAreaForm(BaseForm):
    """A goal area of a year."""

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    title = line(_l("Title"), required=True)
    description = text(_l("Description (optional)"))

    def to_data(self) -> GoalAreaData:
        return GoalAreaData(self.year.data, self.title.data, self.description.data or "")


class GoalAreaEditForm(GoalAreaForm, VersionedForm):
    """Rename or describe a goal area."""


class CopyYearForm(BaseForm):
    """Copy a year's goal areas to another year."""

    source_year = IntegerField(
        _l("Copy from year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)]
    )
    year = IntegerField(
        _l("To year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)]
    )


class SectionForm(BaseForm):
    """A template section."""

    title = line(_l("Section title"), required=True)
    guidance = text(
        _l("Guidance (optional)"), description=_l("Shown to the groups; Markdown is allowed.")
    )

    def to_data(self) -> SectionData:
        return SectionData(self.title.data, self.guidance.data or "")


class SectionEditForm(SectionForm, VersionedForm):
    """Change a template section."""


class FieldForm(BaseForm):
    """A template field."""

    label = line(_l("Field label"), required=True)
    kind = SelectField(
        _l("Kind"),
        choices=choices((k.value, v) for k, v in FIELD_KIND_LABELS.items()),
        default=FieldKind.TEXT.value,
    )
    locked = BooleanField(
        _l("Locked: the association sets the wording"),
        description=_l("Unticked, each group writes its own text."),
    )
    guidance = text(_l("Guidance (optional)"), description=_l("Markdown is allowed."))
    wording = text(
        _l("Wording"),
        description=_l("For a locked field, the text every plan shows; else a starting text."),
    )

    def to_data(self) -> FieldData:
        return FieldData(
            label=self.label.data,
            kind=FieldKind(self.kind.data),
            locked=bool(self.locked.data),
            guidance=self.guidance.data or "",
            wording=self.wording.data or "",
        )


class FieldEditForm(FieldForm, VersionedForm):
    """Change a template field."""


class PublishForm(BaseForm):
    """Publish the draft."""

    change_note = text(
        _l("Change note"), description=_l("What changed since the last version, for the groups.")
    )


class CompareForm(BaseForm):
    """Choose two versions to compare (a GET form)."""

    class Meta:
        csrf = False

    old = SelectField(_l("Older version"), coerce=int)
    new = SelectField(_l("Newer version"), coerce=int)


class NewPlanForm(BaseForm):
    """Create a group's plan for a year."""

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    source = RadioField(
        _l("Start from"),
        choices=choices(
            [
                (Source.TEMPLATE.value, _l("The current template")),
                (
                    Source.PREVIOUS.value,
                    _l("Last year's plan (unfinished result goals and activities carry over)"),
                ),
            ]
        ),
        default=Source.TEMPLATE.value,
        validators=[InputRequired()],
    )


class TextForm(LockedForm):
    """The group's text for a local field (version 0: no text was written yet)."""

    body = text(_l("Text"), description=_l("Markdown is allowed."))


class GoalFields(BaseForm):
    """A result goal (the add form; ``GoalForm`` edits one)."""

    # The year whose goal areas the page offers to carry forward (the plan's year has none).
    carry_from: int | None = None

    goal_area_id = SelectField(_l("Goal area"), coerce=_none_if_zero, validators=[Optional()])
    title = line(_l("Result goal"), required=True)
    indicator = line(_l("Indicator"), description=_l("How you will know the goal is reached."))
    numeric = BooleanField(_l("The indicator is a number"))
    baseline = line(_l("Baseline"))
    target = line(_l("Target level"), description=_l("Measurable; a number if the indicator is."))
    outcome = text(_l("Outcome"))

    def to_data(self) -> GoalData:
        return GoalData(
            goal_area_id=self.goal_area_id.data,
            title=self.title.data,
            indicator=self.indicator.data or "",
            numeric=bool(self.numeric.data),
            baseline=self.baseline.data or "",
            target=self.target.data or "",
            outcome=self.outcome.data or "",
        )


class GoalForm(GoalFields, LockedForm):
    """Edit a result goal."""


class ProgressFields(BaseForm):
    """Status and outcome of an activity."""

    status = SelectField(
        _l("Status"),
        choices=choices((s.value, label) for s, label in ACTIVITY_STATUS_LABELS.items()),
        default=ActivityStatus.NOT_STARTED.value,
    )
    outcome = text(_l("Outcome"))


class ProgressForm(ProgressFields, LockedForm):
    """Status and outcome: what a responsible member may change."""


class ActivityFields(ProgressFields):
    """Every part of an activity (the add form; ``ActivityForm`` edits one)."""

    what = line(_l("Activity"), required=True)
    responsible_id = SelectField(_l("Responsible person"), coerce=_none_if_zero)
    agency_id = SelectField(_l("Responsible agency"), coerce=_none_if_zero)
    decision_maker = line(_l("Decision-maker"))
    dependencies = text(_l("Dependencies"))
    due_date = DateField(_l("Due date"), validators=[Optional()])

    def to_data(self) -> ActivityData:
        return ActivityData(
            what=self.what.data,
            responsible_id=self.responsible_id.data,
            agency_id=self.agency_id.data,
            decision_maker=self.decision_maker.data or "",
            dependencies=self.dependencies.data or "",
            due_date=self.due_date.data,
            status=ActivityStatus(self.status.data),
            outcome=self.outcome.data or "",
        )


class ActivityForm(ActivityFields, LockedForm):
    """Edit every part of an activity."""


class DevelopmentAreaForm(BaseForm):
    """A development area."""

    title = line(_l("Development area"), required=True)
