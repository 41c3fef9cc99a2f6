"""What a worker keeps between the requests of the answering pages: the one interface.

Four caches, each per worker process, each safe for the reason given with it:

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
``OPEN_ROUNDS`` (a ``Bounded``)
    An open round's public key and instrument version, by round id, at most
    ``OPEN_ROUNDS_KEPT``, for the submit's one statement (``fast``). What is kept is
    never trusted: the statement writes only if the database still holds that key and
    version for an open round, and an entry is dropped when it did not write.
``BLANK_QUESTIONNAIRES`` (a ``portal.core.pagecache.SlotCache``)
    The questionnaire page per round, group, instrument version and language, with the
    page's slot and CSRF token cut out and each question a marker, which a request
    fills with the markup kept for its answer (``views.respond._kept_questionnaire``):
    the same for every respondent of a group (``views.respond._blank_key`` says when a
    page may be kept). It never holds a link's token nor an answer.

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
K = TypeVar("K")
V = TypeVar("V")
Q = TypeVar("Q")

QUESTION_VERSIONS_KEPT = 64
OPEN_ROUNDS_KEPT = 256

_STATEMENTS: list[functools._lru_cache_wrapper[object]] = []


def statement(build: Callable[[], T]) -> Callable[[], T]:
    """``build`` run once per worker; its statement is kept and returned ever after."""
    cached = functools.cache(build)
    _STATEMENTS.append(cached)
    return cached


class Bounded(Generic[K, V]):
    """At most ``kept`` values by key, the one put first going first.

    Reads need no lock (a dict lookup is atomic); a write takes one, so that two
    threads never evict at once.
    """

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._values: dict[K, V] = {}
        self._write = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def put(self, key: K, value: V) -> None:
        with self._write:
            if key not in self._values and len(self._values) >= self.kept:
                del self._values[next(iter(self._values))]  # the one put first
            self._values[key] = value

    def drop(self, key: K) -> None:
        with self._write:
            self._values.pop(key, None)

    def clear(self) -> None:
        with self._write:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


class QuestionCache(Bounded[tuple[int, dt.datetime], Q]):
    """The questions of instrument versions, by (instrument id, import time), bounded."""

    def __init__(self, kept: int = QUESTION_VERSIONS_KEPT) -> None:
        super().__init__(kept)

    def questions(
        self, instrument_id: int, imported_at: dt.datetime, load: Callable[[int], Q]
    ) -> Q:
        """The version's questions, read with ``load(instrument_id)`` the first time."""
        key = (instrument_id, imported_at)
        questions = self.get(key)
        if questions is None:
            questions = load(instrument_id)
            self.put(key, questions)
        return questions

    def known(self, instrument_id: int, imported_at: dt.datetime) -> Q | None:
        """The version's questions if this worker keeps them, else None (never a read)."""
        return self.get((instrument_id, imported_at))


QUESTIONS: QuestionCache[Any] = QuestionCache()  # of tuple[link.AskedQuestion, ...]
OPEN_ROUNDS: Bounded[int, Any] = Bounded(OPEN_ROUNDS_KEPT)  # of fast.OpenRound

# The questionnaire without its questions' markup: the same for every respondent of a
# group in a language, but for the page's slot and the CSRF token.
BLANK_QUESTIONNAIRES = SlotCache(("slot", "csrf"))


def clear() -> None:
    """Forget everything kept: statements, questions, rounds and pages."""
    for cached in _STATEMENTS:
        cached.cache_clear()
    QUESTIONS.clear()
    OPEN_ROUNDS.clear()
    BLANK_QUESTIONNAIRES.clear()
