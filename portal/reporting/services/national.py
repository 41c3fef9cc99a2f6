"""National and installation-wide reference figures for the survey questions.

Each read answers in one SQL query. The installation-wide figure pools the answers of
every association on this installation whose own closed round has at least its own *k*
answers on the scale for the question; it is given only where at least
:data:`MIN_ASSOCIATIONS` associations qualify, so no single association's figure can be
read from it. It reads the yearly rollup (``RoundTotal``, written when a round closes),
not the answers: one row per round and question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from portal.extensions import db
from portal.surveys import disclosure
from portal.surveys.models import Question, RoundStatus, RoundTotal, SurveyRound
from portal.surveys.national import NationalReference

MIN_ASSOCIATIONS = 3


@dataclass(frozen=True)
class InstallationFigure:
    """The pooled share over ``associations`` associations with ``base`` scale answers."""

    share: float
    associations: int
    base: int


class NationalFigure(NamedTuple):
    """An imported national share, and the associations behind it where the file says."""

    share: float
    associations: int | None


def national_figures(
    codes: Collection[str], years: Collection[int]
) -> dict[tuple[int, str], NationalFigure]:
    """(year, question code) → the national figure loaded, in one query."""
    if not codes or not years:
        return {}
    rows = db.session.execute(
        sa.select(
            NationalReference.year,
            NationalReference.question_code,
            NationalReference.share,
            NationalReference.associations,
        ).where(
            NationalReference.question_code.in_(list(codes)),
            NationalReference.year.in_(list(years)),
        )
    )
    return {
        (int(year), str(code)): NationalFigure(float(share), associations)
        for year, code, share, associations in rows
    }


def national_shares(codes: Collection[str], years: Collection[int]) -> dict[tuple[int, str], float]:
    """(year, question code) → national share 0..1, for the figures loaded."""
    return {key: figure.share for key, figure in national_figures(codes, years).items()}


class RoundFigure(NamedTuple):
    """One closed round's counts for one scale question, from the yearly rollup.

    A named tuple, not a frozen dataclass: a national-scale summary reads some six
    hundred of these (every association's round of the year), and a frozen dataclass
    took several times as long to build as the row took to fetch.
    """

    association_id: int
    year: int
    k: int
    code: str
    indicator_code: str
    text: str
    indicator_title: str
    answers: int
    base: int
    positive: int
    respondent_group: str = "managers"  # whom the round asked: figures of one group pool


# A ``RoundFigure``'s fields as a plain tuple (see ``round_rows``).
RoundRow = tuple[int, int, int, str, str, str, str, int, int, int, str]


def _rollup(*conditions: sa.ColumnElement[bool], ordered: bool = True) -> sa.CursorResult[Any]:
    """The yearly rollup rows of the closed rounds that meet ``conditions``, with the
    fields of ``RoundFigure`` (one query); by question code, year and association
    where ``ordered``.

    Run on the session's connection, not through the ORM, so the rows can be taken a
    hundred at a time (``_batches``): a national-scale board summary reads some
    three thousand (every association's rounds of the year, one per respondent group),
    and the ORM kept each as a row object until the last had arrived. The respondent
    group comes as its plain text value (``RespondentGroup`` is a ``str`` enum, so the
    two compare equal).
    """
    statement = (
        sa.select(
            SurveyRound.association_id, SurveyRound.year, SurveyRound.min_answers,
            Question.code, Question.indicator_code, Question.text, Question.indicator_title,
            RoundTotal.answers, RoundTotal.base, RoundTotal.positive,
            sa.type_coerce(SurveyRound.respondent_group, sa.String()),
        )
        .join(SurveyRound, SurveyRound.id == RoundTotal.round_id)
        .join(Question, Question.id == RoundTotal.question_id)
        .where(SurveyRound.status == RoundStatus.CLOSED, *conditions)
    )  # fmt: skip
    if ordered:
        statement = statement.order_by(Question.code, SurveyRound.year, SurveyRound.association_id)
    return db.session.connection().execute(statement)


def _batches(result: sa.CursorResult[Any]) -> Iterator[Sequence[sa.Row[Any]]]:
    """The rows a hundred at a time: fetched one by one, the driver's and the result's
    bookkeeping per row cost more than the row; in batches of five hundred, as fast,
    the rows alive together set the garbage collector off more often."""
    return result.partitions(100)


def closed_round_figures(*conditions: sa.ColumnElement[bool]) -> list[RoundFigure]:
    """The yearly rollup rows of the closed rounds that meet ``conditions``, in one query
    (by question code, year and association)."""
    make = RoundFigure._make
    return [make(row) for rows in _batches(_rollup(*conditions)) for row in rows]


def _summary_conditions(association_id: int, years: Collection[int]) -> sa.ColumnElement[bool]:
    return sa.or_(SurveyRound.association_id == association_id, SurveyRound.year.in_(years))


def round_figures(association_id: int, year: int) -> list[RoundFigure]:
    """The rollup rows a board summary needs, in one query: every closed round of the
    association (its trends), and every closed round of ``year`` on the installation
    (the installation-wide figure)."""
    return closed_round_figures(_summary_conditions(association_id, [year]))


def round_rows(association_id: int, years: Collection[int]) -> list[RoundRow]:
    """``round_figures`` as plain tuples (``RoundFigure._make`` makes one a figure), for
    ``years``: those of each respondent group's latest round, since a group's
    installation-wide figure is of its own round's year. In no particular order: the
    pools add them up, and the few a summary's trends read (the association's own) are
    sorted where they are read.

    The board summary holds these three thousand rows while it works. The cyclic
    garbage collector stops tracking a plain tuple of numbers and strings at its
    first pass, but never a named tuple (nor a row object): held as figures, every
    request moved thousands of objects into the collector's oldest generation, and
    every few requests a full collection of the whole process then took longer than
    the page itself.
    """
    result = _rollup(_summary_conditions(association_id, sorted(years)), ordered=False)
    return [tuple(row) for rows in _batches(result) for row in rows]


def _shown(figure: RoundFigure) -> bool:
    """Whether the association's own figure is published (the disclosure check): the
    pool then holds only figures each reader could add up, and subtracting the shown
    associations from it leaves nothing hidden."""
    return disclosure.whole_hidden(figure.base, figure.k) is None


def pool_installation(
    figures: Iterable[RoundFigure], codes: Collection[str], years: Collection[int]
) -> dict[tuple[int, str], InstallationFigure]:
    """(year, question code) → pooled figure, where at least three associations qualify.

    An association qualifies for a question and year when its closed round of that
    year has at least the round's own *k* answers on the scale ("don't know" is
    outside the base) to the question.
    """
    pooled: dict[tuple[int, str], list[RoundFigure]] = defaultdict(list)
    for figure in figures:
        if figure.year in years and figure.code in codes and _shown(figure):
            pooled[figure.year, figure.code].append(figure)
    out = {}
    for key, parts in pooled.items():
        if len(parts) >= MIN_ASSOCIATIONS:
            base = sum(p.base for p in parts)
            out[key] = InstallationFigure(
                share=sum(p.positive for p in parts) / base, associations=len(parts), base=base
            )
    return out


def pool_indicators(
    figures: Iterable[RoundFigure],
    indicators: Mapping[str, Collection[str]],
    years: Collection[int],
) -> dict[tuple[int, str], InstallationFigure]:
    """(year, indicator code) → pooled figure, defined as for a question.

    An association qualifies for an indicator when it qualifies for every one of the
    indicator's questions (``indicators``: indicator code → its question codes); its
    answers to all of them are pooled, as the association's own indicator figure pools
    them; the figure is given where at least three associations qualify.
    """
    rounds: dict[tuple[int, int, str], list[RoundFigure]] = defaultdict(list)
    for figure in figures:
        codes = indicators.get(figure.indicator_code)
        if figure.year in years and codes is not None and figure.code in codes:
            rounds[figure.association_id, figure.year, figure.indicator_code].append(figure)
    pooled: dict[tuple[int, str], list[RoundFigure]] = defaultdict(list)
    for (_association, year, code), parts in rounds.items():
        complete = {p.code for p in parts} == set(indicators[code])
        if complete and all(_shown(p) for p in parts):
            pooled[year, code] += parts
    out = {}
    for key, parts in pooled.items():
        associations = len({p.association_id for p in parts})
        if associations >= MIN_ASSOCIATIONS:
            base = sum(p.base for p in parts)
            out[key] = InstallationFigure(
                share=sum(p.positive for p in parts) / base, associations=associations, base=base
            )
    return out


def installation_shares(
    codes: Collection[str], years: Collection[int]
) -> dict[tuple[int, str], InstallationFigure]:
    """The installation-wide figures (see ``pool_installation``) for these codes and
    years, from the yearly rollup (one query)."""
    if not codes or not years:
        return {}
    figures = closed_round_figures(
        SurveyRound.year.in_(list(years)), Question.code.in_(list(codes))
    )
    return pool_installation(figures, set(codes), set(years))
