"""Answering from a personal link: the survey's fast path, in one package.

- ``link``: which invitation a token names (one query), and what its pages may do;
- ``drafts``: unfinished answers, checked, encoded at a fixed size, kept encrypted;
- ``submit``: the reviewed answers sealed into a ballot, once;
- ``sql``: every statement these send, with PostgreSQL's and SQLite's paths;
- ``caches``: what a worker keeps between requests (statements, questions, pages).

The names below are the package's interface; the views, the services and the tests
use them as ``answering.<name>``.
"""

from portal.surveys.answering.drafts import check, decode, encode, load_draft, missing, save_draft
from portal.surveys.answering.link import (
    DONT_KNOW,
    Access,
    AlreadyAnsweredError,
    AskedQuestion,
    ClosedMeanwhileError,
    LinkedInstrument,
    LinkedInvitation,
    LinkedRound,
    LinkState,
    find,
    known_questions,
    load_questions,
    state,
)
from portal.surveys.answering.sql import ANSWERS_FINAL
from portal.surveys.answering.submit import (
    ANSWER_COLUMNS,
    REVIEWED_PREFIX,
    Reviewed,
    answer_row,
    blank_answer,
    submit,
    submitted_answers,
)

__all__ = [
    "ANSWERS_FINAL",
    "ANSWER_COLUMNS",
    "DONT_KNOW",
    "REVIEWED_PREFIX",
    "Access",
    "AlreadyAnsweredError",
    "AskedQuestion",
    "ClosedMeanwhileError",
    "LinkState",
    "LinkedInstrument",
    "LinkedInvitation",
    "LinkedRound",
    "Reviewed",
    "answer_row",
    "blank_answer",
    "check",
    "decode",
    "encode",
    "find",
    "known_questions",
    "load_draft",
    "load_questions",
    "missing",
    "save_draft",
    "state",
    "submit",
    "submitted_answers",
]
