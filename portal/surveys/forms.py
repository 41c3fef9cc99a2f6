"""Survey forms: the round settings, and the questionnaire generated from the instrument."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from flask import get_template_attribute
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
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

from portal.core.concurrency import StaleEditError
from portal.core.errors import DomainError
from portal.core.forms import BaseForm, MultiCheckboxField, VersionedForm, choices
from portal.surveys.answering import DONT_KNOW, AskedQuestion
from portal.surveys.models import (
    FREE_TEXT_MAX,
    RESPONDENT_GROUP_LABELS,
    RESPONDENT_SOURCES,
    RespondentGroup,
    TextReview,
)
from portal.surveys.services.codes import MAX_CODES
from portal.surveys.services.lists import list_entries
from portal.surveys.services.rounds import GROUP_SOURCES, RoundData

LIST_TEXT_MAX = 500_000
PREVIEW_LINES = 10  # of each list, in a conflict


class RoundForm(BaseForm):
    """Settings of a round while it is a draft."""

    respondent_group = SelectField(
        _l("Respondent group"),
        choices=choices((g.value, label) for g, label in RESPONDENT_GROUP_LABELS.items()),
        default=RespondentGroup.MANAGERS.value,
        description=_l(
            "Whom the round asks. The instrument versions offered are those for this group."
        ),
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    instrument_id = SelectField(_l("Instrument version"), coerce=int, validators=[InputRequired()])
    group_ids = MultiCheckboxField(
        _l("Groups"),
        coerce=int,
        description=_l(
            "Only for rounds asking the groups' members or their efforts' participants; "
            "board and list rounds ask the association as a whole."
        ),
    )
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

    def chosen_group(self) -> RespondentGroup:
        """The respondent group as submitted (managers if nothing valid was)."""
        try:
            return RespondentGroup(self.respondent_group.data)
        except ValueError:
            return RespondentGroup.MANAGERS

    def validate_group_ids(self, field: MultiCheckboxField) -> None:
        if RESPONDENT_SOURCES[self.chosen_group()] in GROUP_SOURCES and not field.data:
            raise ValidationError(_("Choose at least one group."))

    def to_data(self) -> RoundData:
        group = self.chosen_group()
        return RoundData(
            respondent_group=group,
            year=self.year.data,
            instrument_id=self.instrument_id.data,
            group_ids=list(self.group_ids.data or [])
            if RESPONDENT_SOURCES[group] in GROUP_SOURCES
            else [],
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            min_answers=self.min_answers.data,
        )


class RoundEditForm(RoundForm, VersionedForm):
    """Change a round that has not opened."""

    def fill_stored(self, obj: Any) -> None:
        self.group_ids.data = [g.id for g in obj.groups]
        self.respondent_group.data = obj.respondent_group.value


class ListForm(VersionedForm):
    """The respondents of a list round: pasted, or a plain text/CSV file; with the
    round's version, so that two people replacing the list cannot undo each other."""

    respondents = TextAreaField(
        _l("Respondents"),
        validators=[Optional(), Length(max=LIST_TEXT_MAX)],
        description=_l(
            "One person a line: name;e-mail. Or CSV with a header line naming the columns "
            "(name, e-mail), separated by semicolons, commas or tabs."
        ),
    )
    upload = FileField(
        _l("Or a text or CSV file"),
        description=_l("Plain text, UTF-8. A file replaces what is typed above."),
    )

    def add_conflict(self, error: StaleEditError) -> None:
        """The conflict shows the first lines of both lists (a list may be thousands of
        lines; the whole stored list is on the page below the form), and says how many
        respondents the stored list has."""
        super().add_conflict(error)
        assert self.conflict is not None
        stored = list_entries(error.current)
        typed = [line for line in (self.respondents.data or "").splitlines() if line.strip()]
        self.conflict.rows = [
            (
                str(self.respondents.label.text),
                preview(typed),
                preview([f"{e.name};{e.email}" for e in stored]),
            )
        ]
        self.form_errors_extra.append(
            ngettext(
                "The saved list now has %(num)d respondent.",
                "The saved list now has %(num)d respondents.",
                len(stored),
            )
        )


def preview(lines: list[str]) -> str:
    """The first lines of a list, and how many more there are."""
    shown = lines[:PREVIEW_LINES]
    if len(lines) > len(shown):
        more = len(lines) - len(shown)
        shown.append(ngettext("… and %(num)d more line", "… and %(num)d more lines", more))
    return "\n".join(shown)


class ConfirmForm(BaseForm):
    """A button that changes something (CSRF only)."""


class InstrumentUploadForm(BaseForm):
    """The platform admin's upload of an instrument version (stored as a draft)."""

    respondent_group = SelectField(
        _l("Respondent group"),
        choices=choices((g.value, label) for g, label in RESPONDENT_GROUP_LABELS.items()),
        validators=[DataRequired()],
        description=_l(
            "Whom the questionnaire asks. If the file states a respondent group, the two "
            "must agree."
        ),
    )
    file = FileField(
        _l("Instrument file (JSON)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l(
            "The format is described in docs/survey-instrument.md. The version is stored "
            "unpublished: check it, then publish it to every association."
        ),
    )

    def group(self) -> RespondentGroup:
        return RespondentGroup(self.respondent_group.data)


class PublishInstrumentForm(VersionedForm):
    """Publish a draft version as the platform admin saw it (its version number)."""


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
    """The generated questionnaire; ``questions`` maps field names to questions.

    The class (fields, scale options) is made once per instrument version and shared;
    ``questions`` is set on each instance (tests build forms from database rows too).
    """

    questions: dict[str, AskedQuestion]
    # The one form on its pages; its ids ("q1-0"…) are what the error summary links to.
    ID_PREFIX = ""
    # Field name → (value, label) of each scale option, and the values allowed.
    scale_choices: dict[str, list[tuple[str, str]]]
    scale_values: dict[str, frozenset[str]]
    save = SubmitField(_l("Save and continue later"))
    review = SubmitField(_l("Review my answers"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok: bool = super().validate(extra_validators)
        for name, allowed in self.scale_values.items():
            field = self[name]
            if field.data and field.data not in allowed:
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

    # Set on the form that renders the kept page's skeleton: each question is a marker
    # that the views fill with ``kept_question_markup`` (``views.respond``).
    markers_only = False

    def question_markup(self, name: str) -> Markup:
        """One question as the page shows it: a scale by ``scale_fieldset`` in
        surveys/_macros.html, free text by ``field`` in macros/forms.html.

        A question without errors looks the same to everyone who has chosen the same
        option (or left an empty text box), in the same language. That markup is made
        once per worker and reused: writing some sixty radios through a macro on every
        request cost more than the rest of the page together. What was written in a text
        box, an error, or a value that is no option is written afresh every time.
        """
        if self.markers_only:
            return Markup("{}").format(question_marker(name))  # "q3": nothing to escape
        field, question = self[name], self.questions[name]
        options = self.scale_choices.get(name)
        chosen = field.data or None
        if field.errors or (chosen is not None and chosen not in self.scale_values.get(name, ())):
            return _question_markup(field, question, options)
        key = (question, chosen, str(get_locale()))
        markup = _QUESTION_MARKUP.get(key)
        if markup is None:
            if len(_QUESTION_MARKUP) >= QUESTION_MARKUP_MAX:
                _QUESTION_MARKUP.clear()
            markup = _QUESTION_MARKUP[key] = _question_markup(field, question, options)
        return markup


def question_marker(name: str) -> str:
    """Where question ``name`` goes in a kept page (NUL: no request brings one in)."""
    return f"\x00question:{name}\x00"


QUESTION_MARKER_RE = re.compile("\x00question:(q[0-9]+)\x00")
# WTForms' empty text box ends so (``TextArea``: the value follows the line break).
_EMPTY_TEXT_BOX = ">\r\n</textarea>"


def kept_question_markup(question: AskedQuestion, answer: str | None, locale: str) -> Markup | None:
    """What ``question_markup`` writes for this question and answer (no error), from
    the markup it keeps, or None when it keeps none for them yet (or the answer is no
    option). Free text: the empty box's markup with the text written in, escaped, as
    WTForms writes it. ``locale``: the page's language, as ``str(get_locale())``."""
    if question.is_scale:
        return _QUESTION_MARKUP.get((question, answer or None, locale))
    empty = _QUESTION_MARKUP.get((question, None, locale))
    if empty is None or not answer:
        return empty
    before, box, after = empty.partition(_EMPTY_TEXT_BOX)  # Markup's parts are Markup
    if not box:
        return None
    return before + Markup(">\r\n{}</textarea>").format(answer) + after  # escaped


# Markup of questions without errors: (question, option chosen, language) → markup.
# Bounded, though an instrument version of thirty questions needs only a few hundred.
_QUESTION_MARKUP: dict[tuple[AskedQuestion, str | None, str], Markup] = {}
QUESTION_MARKUP_MAX = 4096


def _question_markup(
    field: Any, question: AskedQuestion, options: list[tuple[str, str]] | None
) -> Markup:
    """The macro's output (Markup: the templates escape automatically)."""
    if options is None:
        markup: Markup = get_template_attribute("macros/forms.html", "field")(field)
    else:
        macro = get_template_attribute("surveys/_macros.html", "scale_fieldset")
        markup = macro(field, question, options)
    assert isinstance(markup, Markup)
    return markup


def scale_options(question: AskedQuestion) -> list[tuple[str, str]]:
    """(value, label): the points, the ends named, then "don't know" if offered."""
    return _scale_options(
        question.points or 0, question.low_label, question.high_label, question.dont_know_label
    )


def _scale_options(
    points: int, low: str | None, high: str | None, dont_know: str | None
) -> list[tuple[str, str]]:
    options = []
    for point in range(1, points + 1):
        label = str(point)
        if point == 1:
            label = f"1 – {low}"
        elif point == points:
            label = f"{points} – {high}"
        options.append((str(point), label))
    if dont_know:
        options.append((DONT_KNOW, dont_know))
    return options


# What a question contributes to the form: its field name, kind, wording and scale.
_FieldShape = tuple[str, bool, str, int, str | None, str | None, str | None]


def _shape(question: AskedQuestion) -> _FieldShape:
    return (
        f"q{question.position}",
        question.is_scale,
        question.text,
        question.points or 0,
        question.low_label,
        question.high_label,
        question.dont_know_label,
    )


@functools.lru_cache(maxsize=32)
def _answer_form_class(shapes: tuple[_FieldShape, ...]) -> type[AnswerFormBase]:
    """The form class for these questions; cached by their content, not by an id, so a
    cached class can never describe other questions than the ones it is used for."""

    class AnswerForm(AnswerFormBase):
        pass

    AnswerForm.scale_choices, AnswerForm.scale_values = {}, {}
    for name, is_scale, text, points, low, high, dont_know in shapes:
        if is_scale:
            options = _scale_options(points, low, high, dont_know)
            AnswerForm.scale_choices[name] = options
            AnswerForm.scale_values[name] = frozenset(value for value, _label in options)
            field: Any = RadioField(
                text, choices=choices(options), validators=[Optional()], validate_choice=False
            )
        else:
            field = TextAreaField(
                text,
                validators=[Optional(), Length(max=FREE_TEXT_MAX)],
                description=_l("Do not write names or anything else that could identify a person."),
            )
        setattr(AnswerForm, name, field)
    return AnswerForm


def answer_form(questions: Sequence[AskedQuestion], **kwargs: Any) -> AnswerFormBase:
    """The questionnaire form for this instrument version, instantiated."""
    form = _answer_form_class(tuple(_shape(q) for q in questions))(**kwargs)
    form.questions = {f"q{q.position}": q for q in questions}
    return form


class CodeIssueForm(BaseForm):
    """Issue participant codes for one of a round's groups, and how to hand them out.

    ``request_key`` is random per form: a second submit of the same form issues nothing.
    """

    group_id = SelectField(_l("Group"), coerce=int, validators=[InputRequired()])
    count = IntegerField(
        _l("Number of codes"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CODES)],
        description=_l("Each code is good for one response. At most 200 at a time."),
    )
    output = RadioField(
        _l("Hand them out as"),
        choices=choices(
            [
                ("pdf", _l("A sheet of slips to cut out, with QR codes (PDF)")),
                ("html", _l("A plain list to print")),
                ("csv", _l("A plain list for a partner (CSV)")),
            ]
        ),
        default="pdf",
        validators=[InputRequired()],
    )
    request_key = HiddenField()
    submit = SubmitField(_l("Issue the codes"))

    def validate_request_key(self, field: HiddenField) -> None:
        if not field.data or len(field.data) > 64:
            raise ValidationError(_("The form is incomplete; open the page again."))


class CodeEntryForm(BaseForm):
    """A participant's code, typed from the slip."""

    code = StringField(
        _l("Your code"),
        validators=[InputRequired(), Length(max=40)],
        description=_l("12 letters and digits, as printed, for example ABCD-2345-WXYZ."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Continue"))
