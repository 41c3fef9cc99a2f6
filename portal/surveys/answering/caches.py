"""What a worker keeps between the requests of the answering pages: the one interface.

Three caches, each per worker process, each safe for the reason given with it:

``statement`` (a decorator)
    The statements of ``sql``, built once: a built statement never changes, and
    building it cost more than running it.
``QUESTIONS`` (a ``QuestionCache``)
    The questions of instrument versions that an opened round uses, by (id, import
    time), at most ``QUESTION_VERSIONS_KEPT`` versions, the one read first going first.
    From a round's opening on the database refuses any change to its instrument
    version or the version's questions, and the version cannot be deleted while a round
    refers to it. The import time is in the key as well, so that a test database that
    reuses an id after starting over never meets another version's questions.
``BLANK_QUESTIONNAIRES`` (a ``portal.core.pagecache.SlotCache``)
    The questionnaire page as it is before anything is answered, per round, group,
    instrument version and language, with the page's slot and CSRF token cut out: the
    same for every respondent of a group (``views.respond._blank_key`` says when a page
    may be kept). It never holds a link's token nor an answer.

``clear()`` empties them all (tests; a worker never needs to).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from portal.core.pagecache import SlotCache

T = TypeVar("T")
Q = TypeVar("Q")

QUESTION_VERSIONS_KEPT = 64

_STATEMENTS: list[functools._lru_cache_wrapper[object]] = []


def statement(build: Callable[[], T]) -> Callable[[], T]:
    """``build`` run once per worker; its statement is kept and returned ever after."""
    cached = functools.cache(build)
    _STATEMENTS.append(cached)
    return cached


class QuestionCache(Generic[Q]):
    """The questions of instrument versions, by (instrument id, import time), bounded.

    Reads need no lock (a dict lookup is atomic); a write takes one, so that two
    threads never evict at once.
    """

    def __init__(self, kept: int = QUESTION_VERSIONS_KEPT) -> None:
        self.kept = kept
        self._versions: dict[tuple[int, dt.datetime], Q] = {}
        self._write = threading.Lock()

    def get(self, instrument_id: int, imported_at: dt.datetime, load: Callable[[int], Q]) -> Q:
        """The version's questions, read with ``load(instrument_id)`` the first time."""
        key = (instrument_id, imported_at)
        questions = self._versions.get(key)
        if questions is None:
            questions = load(instrument_id)
            with self._write:
                if len(self._versions) >= self.kept:
                    del self._versions[next(iter(self._versions))]  # the version read first
                self._versions[key] = questions
        return questions

    def known(self, instrument_id: int, imported_at: dt.datetime) -> Q | None:
        """The version's questions if this worker keeps them, else None (never a read)."""
        return self._versions.get((instrument_id, imported_at))

    def clear(self) -> None:
        with self._write:
            self._versions.clear()

    def __len__(self) -> int:
        return len(self._versions)


QUESTIONS: QuestionCache[Any] = QuestionCache()  # of tuple[link.AskedQuestion, ...]

# The questionnaire as it is before anything is answered: the same for every
# respondent of a group in a language, but for the page's slot and the CSRF token.
BLANK_QUESTIONNAIRES = SlotCache(("slot", "csrf"))


def clear() -> None:
    """Forget everything kept: statements, questions and pages."""
    for cached in _STATEMENTS:
        cached.cache_clear()
    QUESTIONS.clear()
    BLANK_QUESTIONNAIRES.clear()
