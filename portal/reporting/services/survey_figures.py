"""Survey figures for the board: share clearly positive per question and indicator,
for the association and each group, against last year and the national reference.

Suppression is the results page's own (``portal.surveys.disclosure`` via
``portal.surveys.results``): a cell stands only where *k* answers on the scale are
behind it, with secondary suppression between groups counted in respondents. A change
or a difference is shown only where both of its figures are shown.
An indicator's share pools its questions' answers and is shown only where every one
of its questions is shown. Percentages are rounded half up to whole per cent, and a
change in percentage points is the difference of the rounded figures, so the page
adds up as the reader checks it.

The survey runs in August–September: a summary shows the latest closed round whose
closing day is on or before the period's end (a year's own round once closed; for a
half-year, or a year whose round has not closed, an earlier one), labelled with its year.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.groups.models import Group
from portal.reporting.services import national
from portal.reporting.services.national import (
    InstallationFigure,
    NationalFigure,
    RoundFigure,
    RoundRow,
)
from portal.reporting.services.period import Period
from portal.surveys import results
from portal.surveys.disclosure import Hidden
from portal.surveys.models import (
    RESPONDENT_GROUP_LABELS,
    Instrument,
    Invitation,
    RespondentGroup,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
    round_groups,
)
from portal.surveys.results import Cell, QuestionResult, RoundResults


@functools.lru_cache(maxsize=4096)
def percent(share: float | None) -> int | None:
    """A share 0..1 as whole per cent, rounded half up (None stays None).

    Memoised, as a pure function of its argument: a summary asks for the same few
    hundred shares several times each (a cell, its change, its difference from the
    national figure), and the exact decimal rounding costs more than the rest of a cell.
    """
    if share is None:
        return None
    return int((Decimal(str(share)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def difference(a: float | None, b: float | None) -> int | None:
    """Percentage points between two shares, where both are there."""
    pa, pb = percent(a), percent(b)
    return None if pa is None or pb is None else pa - pb


@dataclass(frozen=True)
class Share:
    """The share clearly positive behind one cell, or why it is not shown."""

    answers: int | None  # None where hidden: a hidden cell keeps no count
    base: int
    positive: int
    hidden: Hidden | None = None

    @classmethod
    def of(cls, cell: Cell) -> Share:
        if cell.hidden is not None:
            return cls(None, 0, 0, cell.hidden)
        return cls(cell.answers, cell.base, cell.positive)

    @property
    def value(self) -> float | None:
        if self.hidden is not None or not self.base:
            return None
        return self.positive / self.base

    @property
    def percent(self) -> int | None:
        return percent(self.value)


@dataclass(frozen=True)
class Comparison:
    """This year's share and last year's, and the change where both are shown."""

    current: Share
    previous: Share | None = None

    @property
    def change(self) -> int | None:
        return difference(self.current.value, self.previous.value if self.previous else None)


@dataclass(frozen=True)
class Row:
    """A question or an indicator: the association, each group, national references."""

    code: str
    text: str
    indicator_code: str
    indicator_title: str
    is_example: bool
    overall: Comparison
    groups: dict[int, Comparison]
    national: float | None = None
    installation: float | None = None
    installation_associations: int | None = None
    # How many associations the imported national figure pools, where its file says.
    national_associations: int | None = None

    @property
    def national_diff(self) -> int | None:
        return difference(self.overall.current.value, self.national)

    @property
    def installation_diff(self) -> int | None:
        return difference(self.overall.current.value, self.installation)


@dataclass(frozen=True)
class GroupResponses:
    """Invitations and responses of one group in the round."""

    group_id: int
    group: str
    invited: int
    responses: int

    @property
    def rate(self) -> float | None:
        return self.responses / self.invited if self.invited else None


@dataclass(frozen=True)
class TextAnswer:
    """A reviewed, shown free-text answer; the group only where its own texts may be listed."""

    question: str
    group: str | None
    text: str


@dataclass
class SurveyFigures:
    """The survey section of a summary (None-free: an absent round is no SurveyFigures)."""

    round_id: int
    year: int
    previous_year: int | None
    k: int
    is_example: bool
    responses: int
    groups: list[GroupResponses]
    questions: list[Row]
    indicators: list[Row]
    texts: list[TextAnswer] = field(default_factory=list)
    texts_hidden: bool = False  # fewer than k responses in all: no free text at all
    invited: int = 0  # in all groups of the round (all of an association-level round)
    previous_groups: tuple[str, ...] = ()  # the groups of the previous year's round
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS
    association_level: bool = False  # the round asked no Mysam group (board, list)

    @property
    def respondent_group_label(self) -> str:
        return str(RESPONDENT_GROUP_LABELS[self.respondent_group])

    @property
    def rate(self) -> float | None:
        return self.responses / self.invited if self.invited else None

    @property
    def groups_differ(self) -> bool:
        """Whether last year's round asked other groups: the association's change then
        compares different groups (each group's own change does not)."""
        return self.previous_year is not None and set(self.previous_groups) != {
            g.group for g in self.groups
        }


@dataclass
class Rounds:
    """The latest closed round that closed by the period's end and the one of the year
    before, with invitations and responses per group of each."""

    current: SurveyRound | None
    previous: SurveyRound | None
    invited: dict[int, dict[int | None, int]]  # round id → group id → invited
    responded: dict[int, dict[int | None, int]]  # round id → group id → responses

    @property
    def loaded(self) -> list[SurveyRound]:
        return [r for r in (self.current, self.previous) if r is not None]


def rounds_for(
    association_id: int,
    period: Period,
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS,
) -> Rounds:
    """The period's round of the respondent group and last year's, their instrument and
    their groups with invitations and responses counted (one query; ``groups`` is set
    on each round). An association-level round (board, list) has no groups: its counts
    are under None."""
    return rounds_by_group(association_id, period, respondent_group).get(
        respondent_group, Rounds(None, None, {}, {})
    )


def rounds_by_group(
    association_id: int, period: Period, only: RespondentGroup | None = None
) -> dict[RespondentGroup, Rounds]:
    """``rounds_for`` of every respondent group with a round closed by the period's end
    (or ``only`` that one), in one query."""
    rows = db.session.execute(
        _rounds_statement(),
        {
            "association": association_id,
            "year": period.year,
            "end": period.end,
            "respondent_group": only.value if only is not None else None,
        },
    ).all()
    found: dict[int, SurveyRound] = {}
    groups: dict[int, list[Group]] = defaultdict(list)
    counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    answered: dict[int, dict[int | None, int]] = defaultdict(dict)
    for survey_round, group, n_invited, n_responded in rows:
        found.setdefault(survey_round.id, survey_round)
        if group is not None:
            groups[survey_round.id].append(group)
        key = group.id if group is not None else None
        counts[survey_round.id][key] = int(n_invited)
        answered[survey_round.id][key] = int(n_responded)
    by_group: dict[RespondentGroup, list[SurveyRound]] = defaultdict(list)
    for round_id, survey_round in found.items():
        set_committed_value(survey_round, "groups", groups[round_id])
        by_group[survey_round.respondent_group].append(survey_round)
    out = {}
    for respondent_group, ordered in by_group.items():
        current = ordered[0]
        previous = ordered[1] if len(ordered) > 1 and ordered[1].year == current.year - 1 else None
        ids = {r.id for r in ordered}
        out[respondent_group] = Rounds(
            current,
            previous,
            {i: c for i, c in counts.items() if i in ids},
            {i: a for i, a in answered.items() if i in ids},
        )
    return out


@functools.cache
def _rounds_statement() -> sa.Select[Any]:
    """``rounds_for``'s query, built once: building its subqueries, loader option and
    cache key took longer than running it.

    The instrument's source document is left out: it would come, and be parsed as
    JSON, once per group row, and the summary reads only the questions.
    """
    asked = sa.bindparam("respondent_group", type_=sa.String())
    ranked = (
        sa.select(
            SurveyRound.id,
            sa.func.row_number()
            .over(partition_by=SurveyRound.respondent_group, order_by=SurveyRound.year.desc())
            .label("rank"),
        )
        .where(
            SurveyRound.association_id == sa.bindparam("association"),
            SurveyRound.status == RoundStatus.CLOSED,
            sa.or_(asked.is_(None), SurveyRound.respondent_group == asked),
            SurveyRound.year <= sa.bindparam("year"),
            SurveyRound.closes_on <= sa.bindparam("end"),
        )
        .subquery()
    )
    latest = sa.select(ranked.c.id).where(ranked.c.rank <= 2)  # per respondent group
    in_group = round_groups.c.group_id
    invited = (
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(
            Invitation.round_id == SurveyRound.id,
            Invitation.group_id.is_not_distinct_from(in_group),  # NULL: association level
        )
        .scalar_subquery()
    )
    responded = (
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(
            SurveyResponse.round_id == SurveyRound.id,
            SurveyResponse.group_id.is_not_distinct_from(in_group),
        )
        .scalar_subquery()
    )
    return (
        sa.select(SurveyRound, Group, invited, responded)
        .options(joinedload(SurveyRound.instrument).defer(Instrument.definition))
        .outerjoin(round_groups, round_groups.c.round_id == SurveyRound.id)
        .outerjoin(Group, Group.id == in_group)
        .where(SurveyRound.id.in_(latest))
        .order_by(SurveyRound.respondent_group, SurveyRound.year.desc(), Group.name, Group.id)
    )


def _by_code_and_year(figure: RoundFigure) -> tuple[str, int]:
    return figure.code, figure.year


@dataclass
class _Rollup:
    """One respondent group's rollup rows of a board summary (``national.round_rows``):
    every row as a plain tuple, which the cyclic garbage collector soon stops tracking,
    and the association's own (its trends, a few dozen) as figures, by code and year."""

    rows: list[RoundRow] = field(default_factory=list)
    own: list[RoundFigure] = field(default_factory=list)


@dataclass
class References:
    """The survey reference figures of one summary, read once (two queries).

    The yearly rollup of every closed round of the association (its trends) and of
    every closed round of the years of its respondent groups' latest rounds (each
    group's installation-wide figure is of its own round's year), and the national
    reference for every question code and year either shows.
    """

    association_id: int
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS
    own: list[RoundFigure] = field(default_factory=list)
    national: dict[tuple[int, str], float] = field(default_factory=dict)
    national_associations: dict[tuple[int, str], int | None] = field(default_factory=dict)
    installation: dict[tuple[int, str], InstallationFigure] = field(default_factory=dict)
    indicator_installation: dict[tuple[int, str], InstallationFigure] = field(default_factory=dict)
    loaded: bool = False
    # every respondent group's rollup, read once: respondent group → its part
    figures: dict[str, _Rollup] | None = None

    def _read(self, years: Collection[int]) -> dict[str, _Rollup]:
        """The rollup (``national.round_rows``, one query) for ``years``, by respondent
        group: the association's own rows as figures, every row as the plain tuple it
        came as. Read once: the first call names every year the summary compares."""
        if self.figures is None:
            self.figures = defaultdict(_Rollup)
            for row in national.round_rows(self.association_id, years):
                part = self.figures[row[-1]]  # RoundFigure's fields: the respondent group
                part.rows.append(row)
                if row[0] == self.association_id:  # ... and first the association
                    part.own.append(RoundFigure._make(row))
            for part in self.figures.values():
                part.own.sort(key=_by_code_and_year)  # as the trends read them
        return self.figures

    def shared_national(
        self, codes: set[str], years: set[int]
    ) -> dict[tuple[int, str], NationalFigure]:
        """The national references of every respondent group's figures at once (one
        query, after the figures): ``codes`` of the groups' rounds of ``years``, and
        the association's own years."""
        own = [f for part in self._read(years).values() for f in part.own]
        all_years = years | {f.year for f in own}
        return national.national_figures(codes | {f.code for f in own}, all_years)

    def of_group(self, respondent_group: RespondentGroup) -> References:
        """References for another respondent group's figures, sharing what was read."""
        return References(self.association_id, respondent_group, figures=self.figures)

    def load(
        self,
        codes: list[str],
        year: int,
        indicators: dict[str, set[str]] | None = None,
        national_loaded: dict[tuple[int, str], NationalFigure] | None = None,
    ) -> References:
        """Read the figures; ``indicators`` (indicator code → its question codes) also
        gives each indicator its installation-wide figure. ``national_loaded``, when
        given, are the national references already read (``shared_national``)."""
        # a respondent group's figures pool only with the same group's
        part = self._read([year]).get(self.respondent_group.value, _Rollup())
        self.own = part.own
        # what the pools read, made figures only for as long as they add them up
        this_year = [RoundFigure._make(row) for row in part.rows if row[1] == year]
        all_codes = set(codes) | {f.code for f in self.own}
        years = {f.year for f in self.own} | {year}
        loaded = (
            national_loaded
            if national_loaded is not None
            else national.national_figures(all_codes, years)
        )
        self.national = {key: figure.share for key, figure in loaded.items()}
        self.national_associations = {key: f.associations for key, f in loaded.items()}
        self.installation = national.pool_installation(this_year, set(codes), {year})
        self.indicator_installation = national.pool_indicators(this_year, indicators or {}, {year})
        self.loaded = True
        return self


def _pooled(cells: list[Share]) -> Share:
    """Several questions' shares pooled; hidden unless every one of them is shown."""
    hidden = next((c.hidden for c in cells if c.hidden is not None), None)
    if hidden is not None or not cells:
        return Share(None, 0, 0, hidden or Hidden.FEW)
    answers = max(c.answers or 0 for c in cells)
    return Share(answers, sum(c.base for c in cells), sum(c.positive for c in cells))


def _by_code(figures: RoundResults | None) -> dict[str, QuestionResult]:
    return {q.question.code: q for q in figures.questions} if figures else {}


def _question_rows(
    current: RoundResults, previous: RoundResults | None, group_ids: list[int]
) -> list[Row]:
    before = _by_code(previous)
    rows = []
    for q in current.questions:
        last = before.get(q.question.code)
        rows.append(
            Row(
                code=q.question.code,
                text=q.question.text,
                indicator_code=q.question.indicator_code,
                indicator_title=q.question.indicator_title,
                is_example=q.question.is_example,
                overall=Comparison(Share.of(q.overall), Share.of(last.overall) if last else None),
                groups={
                    gid: Comparison(
                        Share.of(q.groups[gid]),
                        Share.of(last.groups[gid]) if last and gid in last.groups else None,
                    )
                    for gid in group_ids
                    if gid in q.groups
                },
            )
        )
    return rows


def _indicator_rows(rows: list[Row], group_ids: list[int]) -> list[Row]:
    by_indicator: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_indicator[row.indicator_code].append(row)

    def pool(parts: list[Comparison]) -> Comparison:
        previous = [p.previous for p in parts if p.previous is not None]
        if len(previous) < len(parts):
            return Comparison(_pooled([p.current for p in parts]))
        return Comparison(_pooled([p.current for p in parts]), _pooled(previous))

    out = []
    for code, members in by_indicator.items():
        national = [m.national for m in members if m.national is not None]
        out.append(
            Row(
                code=code,
                text=members[0].indicator_title,
                indicator_code=code,
                indicator_title=members[0].indicator_title,
                is_example=any(m.is_example for m in members),
                overall=pool([m.overall for m in members]),
                groups={
                    gid: pool([m.groups[gid] for m in members])
                    for gid in group_ids
                    if all(gid in m.groups for m in members)
                },
                # Unweighted mean of the questions' national shares (only shares are published).
                national=sum(national) / len(national) if len(national) == len(members) else None,
            )
        )
    return out


def _responses(
    survey_round: SurveyRound, figures: RoundResults, invited: dict[int | None, int]
) -> list[GroupResponses]:
    return [
        GroupResponses(g.id, g.name, invited.get(g.id, 0), figures.responses_by_group.get(g.id, 0))
        for g in survey_round.groups
    ]


def _texts(survey_round: SurveyRound, figures: RoundResults) -> list[TextAnswer]:
    own = figures.decision.text_groups
    names = {g.id: g.name for g in survey_round.groups}
    out = []
    for q in survey_round.instrument.questions:
        if q.is_scale:
            continue
        answers = [
            TextAnswer(q.text, names.get(group_id) if group_id in own else None, text)
            for group_id, text in figures.shown_texts.get(q.id, [])
        ]
        # A fixed order that says nothing about when anyone answered: by group, then text.
        out += sorted(answers, key=lambda t: (t.group is None, t.group or "", t.text))
    return out


@dataclass
class _Prepared:
    """A respondent group's figures before the references are read."""

    rounds: Rounds
    current: RoundResults
    previous: RoundResults | None
    group_ids: list[int]
    rows: list[Row]
    indicators: dict[str, set[str]]


def _prepare(
    rounds: Rounds, figures: dict[int, RoundResults], groups: list[Group] | None
) -> _Prepared:
    current_round, previous_round = rounds.current, rounds.previous
    assert current_round is not None
    current = figures[current_round.id]
    previous = figures[previous_round.id] if previous_round else None
    group_ids = [g.id for g in (groups if groups is not None else current_round.groups)]
    rows = _question_rows(current, previous, group_ids)
    indicators: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        indicators[row.indicator_code].add(row.code)
    return _Prepared(rounds, current, previous, group_ids, rows, dict(indicators))


def _finish(
    prepared: _Prepared, refs: References, respondent_group: RespondentGroup
) -> SurveyFigures:
    rounds, current = prepared.rounds, prepared.current
    current_round, previous_round = rounds.current, rounds.previous
    assert current_round is not None
    rows = [_with_reference(row, refs, current_round.year) for row in prepared.rows]
    texts_hidden = not current.decision.texts
    invited = rounds.invited.get(current_round.id, {})
    responses = _responses(current_round, current, invited)
    return SurveyFigures(
        round_id=current_round.id,
        year=current_round.year,
        previous_year=previous_round.year if previous_round else None,
        previous_groups=tuple(sorted(g.name for g in previous_round.groups))
        if previous_round
        else (),
        k=current.k,
        is_example=current_round.instrument.is_example,
        responses=current.responses,
        groups=responses,
        invited=sum(invited.values()),
        respondent_group=respondent_group,
        association_level=not current_round.groups,
        questions=rows,
        indicators=[
            _with_installation(row, refs.indicator_installation, current_round.year)
            for row in _indicator_rows(rows, prepared.group_ids)
        ],
        texts=[] if texts_hidden else _texts(current_round, current),
        texts_hidden=texts_hidden,
    )


def survey_figures(
    association_id: int,
    period: Period,
    groups: list[Group] | None = None,
    references: References | None = None,
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS,
) -> SurveyFigures | None:
    """The survey section of a respondent group for the period, or None when no round
    of the group has closed by its end.

    ``references`` is filled on the way, for the trends to read the same figures.
    """
    rounds = rounds_for(association_id, period, respondent_group)
    if rounds.current is None:
        return None
    figures = results.rounds_results(rounds.loaded, rounds.responded)
    prepared = _prepare(rounds, figures, groups)
    refs = (references or References(association_id, respondent_group)).load(
        [r.code for r in prepared.rows], rounds.current.year, prepared.indicators
    )
    return _finish(prepared, refs, respondent_group)


def every_survey_figures(
    association_id: int, period: Period, groups: list[Group], references: References
) -> tuple[SurveyFigures | None, list[tuple[SurveyFigures, References]]]:
    """The managers' survey section (``survey_figures`` with ``groups``) and every other
    respondent group's with a round closed by the period's end, in the order of
    ``RespondentGroup``, each with the references its trends read.

    As many queries as the managers' section alone, whatever the number of respondent
    groups: their rounds, their results, the rollup and the national references are
    each read once for all of them. ``references`` is the managers'.
    """
    by_group = rounds_by_group(association_id, period)
    loaded = [r for rounds in by_group.values() for r in rounds.loaded]
    if not loaded:
        return None, []
    responded = {i: n for rounds in by_group.values() for i, n in rounds.responded.items()}
    figures = results.rounds_results(loaded, responded)
    prepared = {
        g: _prepare(by_group[g], figures, groups if g == RespondentGroup.MANAGERS else None)
        for g in RespondentGroup
        if g in by_group
    }
    # each group's installation-wide figures are of its own latest round's year
    years = {p.rounds.current.year for p in prepared.values() if p.rounds.current is not None}
    codes = {row.code for p in prepared.values() for row in p.rows}
    shared = references.shared_national(codes, years)
    managers, others = None, []
    for respondent_group, ready in prepared.items():
        assert ready.rounds.current is not None
        refs = (
            references
            if respondent_group == references.respondent_group
            else references.of_group(respondent_group)
        )
        refs.load([r.code for r in ready.rows], ready.rounds.current.year, ready.indicators, shared)
        section = _finish(ready, refs, respondent_group)
        if respondent_group == RespondentGroup.MANAGERS:
            managers = section
        else:
            others.append((section, refs))
    return managers, others


@dataclass(frozen=True)
class IndicatorAcross:
    """One indicator's whole-association share in each respondent group's round that
    measures it (with that round's change and *k*): an indicator per respondent group."""

    code: str
    title: str
    cells: dict[RespondentGroup, tuple[Comparison, int]]


def indicators_across(surveys: list[SurveyFigures]) -> list[IndicatorAcross]:
    """Every indicator of the sections, in the order first met, with each respondent
    group's figure (the sections' own, already through the disclosure check)."""
    out: dict[str, IndicatorAcross] = {}
    for survey in surveys:
        for row in survey.indicators:
            across = out.setdefault(row.code, IndicatorAcross(row.code, row.text, {}))
            across.cells[survey.respondent_group] = (row.overall, survey.k)
    return list(out.values())


def _with_installation(row: Row, installation: dict[Any, Any], year: int) -> Row:
    """An indicator row with its installation-wide figure (the national one it has)."""
    figure = installation.get((year, row.code))
    if figure is None:
        return row
    return Row(
        **{
            **row.__dict__,
            "installation": figure.share,
            "installation_associations": figure.associations,
        }
    )


def _with_reference(row: Row, refs: References, year: int) -> Row:
    figure = refs.installation.get((year, row.code))
    return Row(
        **{
            **row.__dict__,
            "national": refs.national.get((year, row.code)),
            "national_associations": refs.national_associations.get((year, row.code)),
            "installation": figure.share if figure else None,
            "installation_associations": figure.associations if figure else None,
        }
    )
