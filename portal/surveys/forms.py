"""Survey forms: the round settings, and the questionnaire generated from the instrument."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.errors import DomainError
from portal.core.forms import BaseForm, MultiCheckboxField, choices
from portal.surveys.answering import DONT_KNOW
from portal.surveys.models import FREE_TEXT_MAX, Question, TextReview
from portal.surveys.services import RoundData


class RoundForm(BaseForm):
    """Settings of a round while it is a draft."""

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    instrument_id = SelectField(_l("Instrument version"), coerce=int, validators=[InputRequired()])
    group_ids = MultiCheckboxField(_l("Groups"), coerce=int)
    opens_on = DateField(_l("Opens"), validators=[InputRequired()])
    closes_on = DateField(
        _l("Closes"),
        validators=[InputRequired()],
        description=_l("Answers are accepted until the end of this day (Swedish time)."),
    )
    min_answers = IntegerField(
        _l("Minimum answers before a figure is shown (k)"),
        validators=[InputRequired(), NumberRange(min=1, max=50)],
        description=_l(
            "Where fewer have answered, results show only the number of answers. "
            "Cannot change once the round has opened."
        ),
    )
    record_agency_kind = BooleanField(
        _l("Record the agency kind with each response (for association-wide figures only)"),
        default=True,
    )

    def validate_group_ids(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_("Choose at least one group."))

    def to_data(self) -> RoundData:
        return RoundData(
            year=self.year.data,
            instrument_id=self.instrument_id.data,
            group_ids=list(self.group_ids.data or []),
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            min_answers=self.min_answers.data,
            record_agency_kind=bool(self.record_agency_kind.data),
        )


class ConfirmForm(BaseForm):
    """A button that changes something (CSRF only)."""


class TextReviewForm(BaseForm):
    """Show or withhold one free-text answer."""

    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [(TextReview.SHOWN.value, _l("Show")), (TextReview.WITHHELD.value, _l("Withhold"))]
        ),
        validators=[DataRequired()],
    )


class AnswerFormBase(BaseForm):
    """The generated questionnaire; ``questions`` maps field names to questions."""

    questions: dict[str, Question]
    save = SubmitField(_l("Save and continue later"))
    review = SubmitField(_l("Review my answers"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for name, question in self.questions.items():
            field = self[name]
            if question.is_scale and field.data and field.data not in field.valid_values:
                field.errors = [*field.errors, _("Choose one of the options on the scale.")]
                ok = False
        return ok

    def answers(self) -> dict[str, str]:
        """Question code → what was chosen or written."""
        out: dict[str, str] = {}
        for name, question in self.questions.items():
            value = self[name].data
            if isinstance(value, str) and value.strip():
                out[question.code] = value.strip()
        return out

    def fill(self, answers: dict[str, str]) -> None:
        for name, question in self.questions.items():
            if question.code in answers:
                self[name].data = answers[question.code]

    def add_answer_error(self, error: DomainError) -> None:
        """A service error about a question, shown at that question."""
        name = next((n for n, q in self.questions.items() if q.code == error.field), None)
        self.add_domain_error(DomainError(error.message, name))


def scale_options(question: Question) -> list[tuple[str, str]]:
    """(value, label): the points, the ends named, then "don't know" if offered."""
    points = question.points or 0
    options = []
    for point in range(1, points + 1):
        label = str(point)
        if point == 1:
            label = f"1 – {question.low_label}"
        elif point == points:
            label = f"{points} – {question.high_label}"
        options.append((str(point), label))
    if question.dont_know_label:
        options.append((DONT_KNOW, question.dont_know_label))
    return options


def answer_form(questions: list[Question], **kwargs: Any) -> AnswerFormBase:
    """A form class made for this instrument version, instantiated."""

    class AnswerForm(AnswerFormBase):
        pass

    mapping: dict[str, Question] = {}
    for question in questions:
        name = f"q{question.position}"
        mapping[name] = question
        if question.is_scale:
            field: Any = RadioField(
                question.text,
                choices=choices(scale_options(question)),
                validators=[Optional()],
                validate_choice=False,
            )
        else:
            field = TextAreaField(
                question.text,
                validators=[Optional(), Length(max=FREE_TEXT_MAX)],
                description=_l("Do not write names or anything else that could identify a person."),
            )
        setattr(AnswerForm, name, field)
    AnswerForm.questions = mapping
    form = AnswerForm(**kwargs)
    for name, question in mapping.items():
        if question.is_scale:
            form[name].valid_values = {value for value, _label in scale_options(question)}
    return form


def default_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """Open today, close four weeks later."""
    return today, today + dt.timedelta(days=28)
