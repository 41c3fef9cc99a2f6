"""Forms for meetings and the year's schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal.core.clock import STOCKHOLM, local_datetime
from portal.core.concurrency import VERSION_MESSAGE, StaleEditError, parse_version
from portal.core.forms import BaseForm, Conflict, VersionedForm, choices
from portal.meetings.models import (
    AGENDA_ITEMS_MAX,
    AGENDA_TITLE_MAX,
    ATTENDANCE_STATUS_LABELS,
    COMMENT_MAX,
    ITEM_KIND_LABELS,
    ITEM_TEXT_MAX,
    MINUTES_MAX,
    Answer,
    AttendanceStatus,
    Invitee,
    MinutesItemKind,
)
from portal.meetings.services.answers import AnswerData
from portal.meetings.services.attendance import SubstituteData
from portal.meetings.services.follow_ups import LinkData
from portal.meetings.services.meetings import MeetingData, YearData
from portal.meetings.services.minutes import ItemData
from portal.plans.models import ACTIVITY_STATUS_LABELS, TEXT_MAX, ActivityStatus


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class _Details:
    """Place, link and purpose, shared by the single meeting and the year forms."""

    place = StringField(
        _l("Place"),
        validators=[Length(max=300)],
        filters=[_strip],
        description=_l("Give a place, a video link, or both."),
    )
    video_link = StringField(
        _l("Video link"), validators=[Optional(), Length(max=500)], filters=[_strip]
    )
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=1000)], filters=[_strip])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired()])

    def validate_end_time(self, field: TimeField) -> None:
        start = self.start_time.data
        if field.data and start and field.data <= start:
            raise ValidationError(_l("The meeting must end after it starts."))

    def validate_video_link(self, field: StringField) -> None:
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("The video link must start with https://."))


class MeetingForm(_Details, BaseForm):
    """Schedule or change one meeting."""

    day = DateField(_l("Date"), validators=[DataRequired()])
    agenda = TextAreaField(
        _l("Agenda"),
        description=_l(
            "One item per line, at most %(n)d items of %(chars)d characters each.",
            n=AGENDA_ITEMS_MAX,
            chars=AGENDA_TITLE_MAX,
        ),
        validators=[Length(max=AGENDA_ITEMS_MAX * (AGENDA_TITLE_MAX + 2))],
    )

    def validate_agenda(self, field: TextAreaField) -> None:
        lines = self.agenda_lines()
        if len(lines) > AGENDA_ITEMS_MAX:
            raise ValidationError(
                _l("The agenda can have at most %(n)d items.", n=AGENDA_ITEMS_MAX)
            )
        for number, line in enumerate(lines, start=1):
            if len(line) > AGENDA_TITLE_MAX:
                raise ValidationError(
                    _l(
                        "Agenda item %(number)d is longer than %(n)d characters.",
                        number=number,
                        n=AGENDA_TITLE_MAX,
                    )
                )

    def agenda_lines(self) -> list[str]:
        return [line.strip() for line in (self.agenda.data or "").splitlines() if line.strip()]

    def to_data(self) -> MeetingData:
        return MeetingData(
            starts_at=local_datetime(self.day.data, self.start_time.data),
            ends_at=local_datetime(self.day.data, self.end_time.data),
            place=self.place.data or "",
            video_link=self.video_link.data or "",
            purpose=self.purpose.data or "",
            agenda=self.agenda_lines(),
        )


class MeetingEditForm(MeetingForm, VersionedForm):
    """Change a meeting (its version says which the form was opened on)."""

    def fill_stored(self, obj: Any) -> None:
        """The meeting's Stockholm day and times, and its agenda one item a line."""
        start = obj.starts_at.astimezone(STOCKHOLM)
        self.day.data = start.date()
        self.start_time.data = start.time()
        self.end_time.data = obj.ends_at.astimezone(STOCKHOLM).time()
        self.agenda.data = "\n".join(item.title for item in obj.agenda_items)


class YearForm(_Details, BaseForm):
    """The year's four meetings in one step."""

    day_1 = DateField(_l("First meeting"), validators=[DataRequired()])
    day_2 = DateField(_l("Second meeting"), validators=[DataRequired()])
    day_3 = DateField(_l("Third meeting"), validators=[DataRequired()])
    day_4 = DateField(_l("Fourth meeting"), validators=[DataRequired()])

    def days(self) -> list[dt.date]:
        return [self.day_1.data, self.day_2.data, self.day_3.data, self.day_4.data]

    def to_data(self) -> YearData:
        return YearData(
            days=self.days(),
            start=self.start_time.data,
            end=self.end_time.data,
            place=self.place.data or "",
            video_link=self.video_link.data or "",
            purpose=self.purpose.data or "",
        )


class ActionForm(BaseForm):
    """A button that changes state: only the CSRF token."""


def _status(value: str | None) -> AttendanceStatus | None:
    return AttendanceStatus(value) if value else None


def _known_status(form: BaseForm, field: RadioField) -> None:
    """Only present, absent or excused (a value of spaces too is refused, with words)."""
    if field.raw_data and field.raw_data[0] not in {s.value for s in AttendanceStatus}:
        raise ValidationError(_l("Choose present, absent or excused."))


def _known_seen(form: BaseForm, field: HiddenField) -> None:
    """The status the page showed: empty (not recorded) or one of the statuses."""
    if field.raw_data and field.raw_data[0] not in {"", *(s.value for s in AttendanceStatus)}:
        raise ValidationError(VERSION_MESSAGE)


def attendance_form(invitees: list[Invitee], **kwargs: object) -> BaseForm:
    """A form with one radio group per invited person, named ``status_<invitee id>``,
    and beside it ``seen_<invitee id>``: the status the page showed (what the row's
    save is based on, its version)."""

    class AttendanceForm(BaseForm):
        def changes(self) -> dict[int, tuple[AttendanceStatus | None, AttendanceStatus | None]]:
            """Invitee id → (status shown, status chosen), for every row that was sent."""
            return {
                i.id: (_status(self[f"seen_{i.id}"].data), _status(self[f"status_{i.id}"].data))
                for i in invitees
                if self[f"status_{i.id}"].raw_data
            }

        def validate(self, extra_validators: object = None) -> bool:
            valid: bool = super().validate(extra_validators)
            for i in invitees:
                if self[f"status_{i.id}"].raw_data and not self[f"seen_{i.id}"].raw_data:
                    self[f"status_{i.id}"].errors = [
                        *self[f"status_{i.id}"].errors,
                        VERSION_MESSAGE,
                    ]
                    valid = False
            return valid

    for invitee in invitees:
        shown = invitee.status.value if invitee.status else ""
        setattr(
            AttendanceForm,
            f"status_{invitee.id}",
            RadioField(
                invitee.user.name,
                choices=choices((s.value, label) for s, label in ATTENDANCE_STATUS_LABELS.items()),
                validators=[_known_status],
                validate_choice=False,
                default=shown or None,
            ),
        )
        setattr(
            AttendanceForm,
            f"seen_{invitee.id}",
            HiddenField(validators=[_known_seen], default=shown),
        )
    return AttendanceForm(**kwargs)


class SubstituteForm(BaseForm):
    """Someone attended in an invited person's place."""

    invitee_id = SelectField(_l("In place of"), coerce=int, validators=[DataRequired()])
    user_id = SelectField(_l("Registered person"), coerce=int, validators=[Optional()])
    name = StringField(
        _l("Name, if not in the register"),
        validators=[Length(max=200)],
        filters=[_strip],
    )
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[Optional()])

    def to_data(self) -> SubstituteData:
        return SubstituteData(
            invitee_id=self.invitee_id.data,
            user_id=self.user_id.data or None,
            name=self.name.data or "",
            agency_id=self.agency_id.data or None,
        )


class MinutesForm(BaseForm):
    """The minutes' text in Markdown, and the revision the text was based on."""

    body = TextAreaField(
        _l("Minutes"),
        description=_l(
            "Markdown: # for headings, **bold**, lists with - and links as [text](https://…)."
        ),
        validators=[
            Length(max=MINUTES_MAX, message=_l("The minutes can be at most %(max)d characters."))
        ],
    )
    correction = HiddenField()
    base_revision = HiddenField(
        _l("Revision"),
        validators=[
            InputRequired(message=VERSION_MESSAGE),
            Regexp(r"^\d{1,9}$", message=VERSION_MESSAGE),
        ],
    )
    preview = SubmitField(_l("Preview"))

    def base(self) -> int | None:
        """The newest revision's number when the form was opened (0: none)."""
        return parse_version(self.base_revision.data)

    def add_conflict(self, error: StaleEditError) -> None:
        """Both texts; saving again is based on the newest revision."""
        revision = error.current
        self.conflict = Conflict(
            rows=[(str(self.body.label.text), self.body.data or "", revision.body)],
            by=revision.author.name if revision.author else "",
            at=revision.created_at,
        )
        self.base_revision.data = str(revision.number)
        self.form_errors_extra.append(error.message)


class AdjusterForm(BaseForm):
    """Appoint the adjuster among the invited people."""

    adjuster_id = SelectField(_l("Adjuster"), coerce=int, validators=[DataRequired()])


class ReturnForm(BaseForm):
    """The adjuster sends the minutes back."""

    comment = TextAreaField(
        _l("What should be changed"),
        validators=[DataRequired(), Length(max=COMMENT_MAX)],
        filters=[_strip],
    )


class ItemForm(BaseForm):
    """A decision or follow-up in the minutes."""

    kind = SelectField(
        _l("Kind"),
        choices=choices((k.value, label) for k, label in ITEM_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    text = TextAreaField(
        _l("Text"), validators=[DataRequired(), Length(max=ITEM_TEXT_MAX)], filters=[_strip]
    )
    responsible = StringField(
        _l("Responsible (optional)"), validators=[Length(max=200)], filters=[_strip]
    )
    due_on = DateField(_l("Due (optional)"), validators=[Optional()])

    def to_data(self) -> ItemData:
        return ItemData(
            kind=MinutesItemKind(self.kind.data),
            text=self.text.data or "",
            responsible=self.responsible.data or "",
            due_on=self.due_on.data,
        )


class FollowUpLinkForm(BaseForm):
    """Link a follow-up to an existing activity; optionally update its status and outcome.

    Built with ``prefix=f"item-{id}"`` so that each follow-up's form has its own names.
    """

    activity_id = SelectField(
        _l("Activity in the action plan"), coerce=int, validators=[DataRequired()]
    )
    status = SelectField(
        _l("New status (optional)"),
        choices=choices(
            [("", _l("Unchanged")), *((s.value, lbl) for s, lbl in ACTIVITY_STATUS_LABELS.items())]
        ),
        default="",  # not sent: unchanged; a value of spaces is not a choice (400)
    )
    outcome = TextAreaField(
        _l("Outcome (optional)"),
        description=_l("Leave empty to keep the activity's outcome."),
        validators=[Length(max=TEXT_MAX)],
        filters=[_strip],
    )

    def to_data(self) -> LinkData:
        return LinkData(
            activity_id=self.activity_id.data,
            status=ActivityStatus(self.status.data) if self.status.data else None,
            outcome=self.outcome.data or "",
        )


class FeedForm(BaseForm):
    """Make a calendar subscription address."""

    group_id = SelectField(_l("Calendar"), coerce=int, validators=[Optional()])


class AnswerForm(BaseForm):
    """Coming or not, and if not, who comes instead: a person of one's own agency from
    the list, or a name and e-mail address."""

    answer = RadioField(
        _l("Are you coming?"),
        choices=choices(
            [
                (Answer.COMING.value, _l("Yes, I am coming")),
                (Answer.NOT_COMING.value, _l("No, I cannot come")),
            ]
        ),
        validators=[InputRequired(message=_l("Say whether you are coming."))],
    )
    substitute_user = SelectField(
        _l("Substitute from your agency"), coerce=int, validators=[Optional()]
    )
    substitute_name = StringField(
        _l("Or the substitute's name"), validators=[Length(max=200)], filters=[_strip]
    )
    substitute_email = StringField(
        _l("The substitute's e-mail address"),
        validators=[Length(max=254)],
        filters=[_strip],
        render_kw={"type": "email", "autocomplete": "off"},
    )

    def fill(self, invitee: Invitee, candidates: list[Any]) -> None:
        """The list of one's own agency, and on first show what was answered before."""
        self.substitute_user.choices = choices(
            [(0, _l("Nobody from the list"))] + [(u.id, u.name) for u in candidates]
        )
        if self.is_submitted():
            return
        if invitee.answer is not None:
            self.answer.data = invitee.answer.value
        sub = invitee.substitute
        if sub is not None:
            if sub.user_id and any(u.id == sub.user_id for u in candidates):
                self.substitute_user.data = sub.user_id
            else:
                self.substitute_name.data = sub.name
                self.substitute_email.data = sub.email or ""

    def to_data(self) -> AnswerData:
        not_coming = self.answer.data == Answer.NOT_COMING.value
        return AnswerData(
            answer=Answer(self.answer.data),
            substitute_user_id=(self.substitute_user.data or None) if not_coming else None,
            substitute_name=(self.substitute_name.data or "") if not_coming else "",
            substitute_email=(self.substitute_email.data or "") if not_coming else "",
        )
