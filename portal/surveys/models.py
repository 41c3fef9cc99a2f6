"""The yearly indicator survey: instrument versions, rounds, invitations, drafts and responses.

Two halves that never meet. *Who* was invited and whether they have answered lives in
``survey_invitations`` (and, until they submit, their encrypted ``survey_drafts``).
*What* was answered lives in ``survey_responses`` and ``survey_answers``: random keys,
round, group and (optionally) agency kind only — no person, no invitation, no time.
``docs/survey-anonymity.md`` explains each choice; ``tests/surveys/test_anonymity.py``
checks the schema keeps to it.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import VersionedMixin, enum_column, utcnow
from portal.extensions import Model, db
from portal.groups.models import Group, Membership
from portal.organisations.models import AgencyKind, Association

QUESTION_TEXT_MAX = 1000
FREE_TEXT_MAX = 4000
LIST_NAME_MAX = 200
LIST_EMAIL_MAX = 254


class QuestionKind(enum.StrEnum):
    """A question on a scale, or one answered in the respondent's own words."""

    SCALE = "scale"
    TEXT = "text"


class RoundStatus(enum.StrEnum):
    """A round is prepared (draft), then open for answers, then closed for good."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


ROUND_STATUS_LABELS = {
    RoundStatus.DRAFT: _l("Prepared, not opened"),
    RoundStatus.OPEN: _l("Open for answers"),
    RoundStatus.CLOSED: _l("Closed"),
}


class RespondentGroup(enum.StrEnum):
    """Whom a questionnaire of the national indicator system asks.

    The national network measures its indicators through one questionnaire per
    respondent group (participants in two variants); an instrument version serves one
    group, and a round asks one group with that group's version.
    """

    MANAGERS = "managers"
    BOARD = "board"
    STAFF = "staff"
    REFERRERS = "referrers"
    PARTICIPANTS_ONGOING = "participants_ongoing"
    PARTICIPANTS_FINISHED = "participants_finished"


RESPONDENT_GROUP_LABELS = {
    RespondentGroup.MANAGERS: _l("Managers in collaboration"),
    RespondentGroup.BOARD: _l("Board members"),
    RespondentGroup.STAFF: _l("Staff in the efforts"),
    RespondentGroup.REFERRERS: _l("Referrers"),
    RespondentGroup.PARTICIPANTS_ONGOING: _l("Participants, ongoing effort"),
    RespondentGroup.PARTICIPANTS_FINISHED: _l("Participants, finished effort"),
}


class RespondentSource(enum.StrEnum):
    """Where a round's respondents come from."""

    MEMBERS = "members"  # the chosen Mysam groups' current members
    BOARD = "board"  # the association's board members
    LIST = "list"  # a list of names and addresses the admin uploads, deleted at close
    CODES = "codes"  # no list: anonymous single-use codes handed out


RESPONDENT_SOURCES = {
    RespondentGroup.MANAGERS: RespondentSource.MEMBERS,
    RespondentGroup.BOARD: RespondentSource.BOARD,
    RespondentGroup.STAFF: RespondentSource.LIST,
    RespondentGroup.REFERRERS: RespondentSource.LIST,
    RespondentGroup.PARTICIPANTS_ONGOING: RespondentSource.CODES,
    RespondentGroup.PARTICIPANTS_FINISHED: RespondentSource.CODES,
}


class TextReview(enum.StrEnum):
    """An admin's decision on a free-text answer before anyone else reads it."""

    PENDING = "pending"
    SHOWN = "shown"
    WITHHELD = "withheld"


TEXT_REVIEW_LABELS = {
    TextReview.SHOWN: _l("Shown"),
    TextReview.WITHHELD: _l("Withheld"),
}


class Instrument(VersionedMixin, Model):
    """One version of a questionnaire, imported from a data file; wording is never edited.

    Platform-wide: every association uses the same versions. An uploaded version is a
    draft, seen only by the platform admin and replaceable, until it is published; from
    then on every association is offered it and its content is fixed. Once a round using
    the version has opened, the database refuses any change to it or its questions.
    """

    __tablename__ = "survey_instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(300))
    is_example: Mapped[bool] = mapped_column(default=False)
    respondent_group: Mapped[RespondentGroup] = mapped_column(
        enum_column(RespondentGroup, "survey_respondent_group"),
        default=RespondentGroup.MANAGERS,
        server_default=RespondentGroup.MANAGERS.value,
    )
    notice: Mapped[str] = mapped_column(sa.Text, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]

    questions: Mapped[list[Question]] = relationship(
        back_populates="instrument", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Question(Model):
    """A question of an instrument version, with its indicator and (for scales) the scale."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_instruments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    code: Mapped[str] = mapped_column(sa.String(32))
    indicator_code: Mapped[str] = mapped_column(sa.String(32))
    indicator_title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "survey_question_kind"))
    text: Mapped[str] = mapped_column(sa.String(QUESTION_TEXT_MAX))
    required: Mapped[bool] = mapped_column(default=True)
    is_example: Mapped[bool] = mapped_column(default=False)
    points: Mapped[int | None]
    low_label: Mapped[str | None] = mapped_column(sa.String(100))
    high_label: Mapped[str | None] = mapped_column(sa.String(100))
    dont_know_label: Mapped[str | None] = mapped_column(sa.String(100))
    positive_from: Mapped[int | None]

    instrument: Mapped[Instrument] = relationship(back_populates="questions")

    __table_args__ = (
        sa.UniqueConstraint("instrument_id", "code"),
        sa.CheckConstraint(
            "kind <> 'scale' OR (points BETWEEN 2 AND 11 AND low_label IS NOT NULL"
            " AND high_label IS NOT NULL AND positive_from BETWEEN 1 AND points)",
            name="scale_complete",
        ),
    )

    @property
    def is_scale(self) -> bool:
        return self.kind == QuestionKind.SCALE


round_groups = sa.Table(
    "survey_round_groups",
    db.metadata,
    sa.Column("round_id", sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class SurveyRound(VersionedMixin, Model):
    """An association's survey for one year (enkätomgång).

    Instrument, groups and *k* are settled while the round is a draft; from opening on
    the database refuses to change them.
    """

    __tablename__ = "survey_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    respondent_group: Mapped[RespondentGroup] = mapped_column(
        enum_column(RespondentGroup, "survey_respondent_group"),
        default=RespondentGroup.MANAGERS,
        server_default=RespondentGroup.MANAGERS.value,
    )
    instrument_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_instruments.id", ondelete="RESTRICT"), index=True
    )
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    min_answers: Mapped[int] = mapped_column(default=3)
    status: Mapped[RoundStatus] = mapped_column(
        enum_column(RoundStatus, "survey_round_status"), default=RoundStatus.DRAFT
    )
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    association: Mapped[Association] = relationship()
    instrument: Mapped[Instrument] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=round_groups, order_by="Group.name")

    __table_args__ = (
        sa.UniqueConstraint("association_id", "year", "respondent_group"),
        sa.CheckConstraint("closes_on >= opens_on", name="dates_in_order"),
        sa.CheckConstraint("min_answers >= 1", name="min_answers_positive"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    @property
    def source(self) -> RespondentSource:
        """Where this round's respondents come from."""
        return RESPONDENT_SOURCES[self.respondent_group]

    @property
    def is_draft(self) -> bool:
        return self.status == RoundStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == RoundStatus.CLOSED


class Invitation(Model):
    """Who was asked to answer, for which group, and whether they have (never what).

    The link's token is derived from ``token_salt`` and the server's secret; the
    database keeps only its SHA-256 hash. Once the round has been closed for the
    retention rule's days, ``membership_id`` is emptied and salt and hash are replaced
    by random values (``privacy.services.retention``): the row then counts towards its
    group's response rate and names nobody.
    """

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(  # None: association level (board, list)
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(  # a board member (source BOARD)
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(  # a line of the uploaded list (source LIST)
        sa.ForeignKey("survey_list_entries.id", ondelete="SET NULL"), index=True
    )
    agency_kind: Mapped[AgencyKind | None] = mapped_column(  # None: not a member's invitation
        enum_column(AgencyKind, "agency_kind")
    )
    token_salt: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    answered: Mapped[bool] = mapped_column(default=False)
    invited_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[dt.datetime | None]
    reminders: Mapped[int] = mapped_column(default=0)
    code_batch_id: Mapped[int | None] = mapped_column(  # a participant code of that batch
        sa.ForeignKey("survey_code_batches.id", ondelete="CASCADE"), index=True
    )

    survey_round: Mapped[SurveyRound] = relationship()
    group: Mapped[Group | None] = relationship()
    membership: Mapped[Membership | None] = relationship()
    user: Mapped[User | None] = relationship()
    entry: Mapped[ListEntry | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("round_id", "membership_id"),
        sa.UniqueConstraint("round_id", "user_id"),
        sa.UniqueConstraint("round_id", "entry_id"),
    )


class ListEntry(Model):
    """A respondent of a LIST round (staff, referrers): a name and an e-mail address the
    association's admin uploaded for the round, and nothing else.

    Kept only while the round needs to mail them: the transaction that closes the round
    deletes its entries and gives its invitations a random salt and hash
    (``services.close_round``); on PostgreSQL the table is then rewritten with the
    sealed tables (``services.vacuum_sealed_tables``).
    """

    __tablename__ = "survey_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int]  # where it stood in the upload
    name: Mapped[str] = mapped_column(sa.String(LIST_NAME_MAX))
    email: Mapped[str] = mapped_column(sa.String(LIST_EMAIL_MAX))

    __table_args__ = (sa.UniqueConstraint("round_id", "email"),)


class CodeBatch(Model):
    """Participant codes issued at once for one group of a CODES round: who issued how
    many, when (the response rate's "handed out"), and how many unused ones were later
    withdrawn (a lost sheet). The codes themselves are not kept: each is an invitation
    without a person whose ``token_hash`` is keyed by the round's link secret
    (``crypto.code_token``); the sheet shows them once, in the issuing response.

    ``request_key`` comes from the issuing form, so a second submit of one form issues
    nothing more.
    """

    __tablename__ = "survey_code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued: Mapped[int]
    withdrawn: Mapped[int] = mapped_column(default=0)
    withdrawn_at: Mapped[dt.datetime | None]
    request_key: Mapped[str] = mapped_column(sa.String(64), unique=True)

    group: Mapped[Group] = relationship()
    issued_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("issued >= 1", name="issued_positive"),
        sa.CheckConstraint("withdrawn BETWEEN 0 AND issued", name="withdrawn_in_range"),
    )


class Draft(Model):
    """Unfinished answers, AES-GCM encrypted with a key only the respondent's link yields,
    encoded at a fixed size (every draft of a round has the same length).

    Deleted in the transaction that submits the response, and when the round closes.
    """

    __tablename__ = "survey_drafts"

    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_invitations.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)


class RoundKey(Model):
    """A round's keys while it is open: the public key ballots are sealed to, and the
    private key and link secret wrapped under a key derived from ``SECRET_KEY``
    (``crypto.wrap_round_keys``). Made when the round opens; deleted when it closes,
    after the ballots are opened: from then on nothing can open a ballot or rebuild a
    link, whatever else is known.
    """

    __tablename__ = "survey_round_keys"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    wrapped: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Ballot(Model):
    """A submitted questionnaire, sealed to its round's public key until the round
    closes: a random key, the round, and bytes of the same length for every ballot of
    the round. The group is inside the seal, not beside it; nothing names the
    invitation. Closing opens them all, writes the responses in a shuffled order in
    one transaction and deletes the ballots (``services.close_round``).
    """

    __tablename__ = "survey_ballots"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SurveyResponse(Model):
    """A submitted, anonymous questionnaire: round, group, agency kind and answers only.

    The key is a random UUID and, on SQLite, the table has no rowid: nothing numbers
    the responses in the order they came in.
    """

    __tablename__ = "survey_responses"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(  # None: an association-level round
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    agency_kind: Mapped[AgencyKind | None] = mapped_column(enum_column(AgencyKind, "agency_kind"))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __table_args__ = ({"sqlite_with_rowid": False},)


class Answer(Model):
    """One answer of a response: a scale point, "don't know", or free text."""

    __tablename__ = "survey_answers"

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    value: Mapped[int | None]
    dont_know: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str | None] = mapped_column(sa.String(FREE_TEXT_MAX))
    review: Mapped[TextReview | None] = mapped_column(enum_column(TextReview, "survey_text_review"))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(value IS NOT NULL AND NOT dont_know AND text IS NULL)"
            " OR (value IS NULL AND dont_know AND text IS NULL)"
            " OR (value IS NULL AND NOT dont_know AND text IS NOT NULL AND review IS NOT NULL)",
            name="one_kind_of_answer",
        ),
        {"sqlite_with_rowid": False},
    )


class RoundTotal(Model):
    """A closed round's answers to one scale question, counted once at closing.

    The yearly rollup behind the board's trends and the installation-wide figure, so
    those read one row per round and question instead of every answer of every year.
    It is written in the transaction that closes the round (``services.close_round``)
    and never again: answers are only recorded while a round is open, and a closed
    round never reopens, so the counts cannot go stale. Counts only, like a response:
    nothing here points at a person or a time.
    """

    __tablename__ = "survey_round_totals"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="RESTRICT"), primary_key=True
    )
    answers: Mapped[int]  # every answer, "don't know" included
    base: Mapped[int]  # answers on the scale
    positive: Mapped[int]  # answers at or above the question's positive_from


AUDIT_WORDS = AuditWords(
    actions={
        "survey_instrument.import": _l("Survey instrument version imported"),
        "survey_instrument.publish": _l("Survey instrument version published"),
        "survey_round.create": _l("Survey round created"),
        "survey_round.update": _l("Survey round changed"),
        "survey_round.open": _l("Survey round opened"),
        "survey_round.remind": _l("Survey reminders sent"),
        "survey_round.close": _l("Survey round closed"),
        "survey_round.delete": _l("Survey round deleted"),
        "survey_round.list": _l("Respondent list uploaded"),
        "survey_text.review": _l("Free-text answer reviewed"),
        "survey_codes.issue": _l("Participant codes issued"),
        "survey_codes.withdraw": _l("Unused participant codes withdrawn"),
        "national_reference.import": _l("National reference figures imported"),
    },
    fields={
        "year": _l("Year"),
        "respondent_group": _l("Respondent group"),
        "instrument": _l("Instrument version"),
        "groups": _l("Groups"),
        "opens_on": _l("Opens"),
        "closes_on": _l("Closes"),
        "min_answers": _l("Minimum answers before a figure is shown"),
        "record_agency_kind": _l("Record agency kind"),  # audit entries from before issue 15
        "status": _l("Status"),
        "invitations": _l("Invitations"),
        "respondents": _l("Respondents on the list"),
        "reminders": _l("Reminders"),
        "review": _l("Review"),
        "questions": _l("Questions"),
        "example": _l("Example instrument"),
        "published": _l("Published"),
        "years": _l("Years"),
        "figures": _l("Figures"),
        "group": _l("Group"),
        "codes": _l("Codes"),
    },
    values={
        ("survey_round", "status"): ROUND_STATUS_LABELS,
        ("survey_round", "respondent_group"): RESPONDENT_GROUP_LABELS,
        ("survey_instrument", "respondent_group"): RESPONDENT_GROUP_LABELS,
        ("survey_text", "review"): TEXT_REVIEW_LABELS,
    },
)
