"""The national compilation: per year and respondent group, every indicator's and
question's share of clearly positive answers over the installation, per association
where its own *k* allows, and the change from the year before.

It reads the closed rounds' yearly rollup (``RoundTotal``, written when a round
closes) joined to the rounds for year and respondent group – one row per round and
question, never an answer – in one query, and pools it by the rule the board
summaries' installation-wide figure uses (``portal.reporting.services.national``):
an association counts in a figure only where its own figure passes the disclosure
check (``portal.surveys.disclosure``), and a pooled figure is given only where at
least three associations count in it. So nothing here can be subtracted down to
fewer than *k* respondents, and the same figure appears on the board summaries.

An association that chose not to be named (``Association.named_nationally``) counts
in the totals and is listed nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.extensions import db
from portal.organisations.models import Association
from portal.reporting.services.national import (
    InstallationFigure,
    RoundFigure,
    closed_round_figures,
    pool_indicators,
    pool_installation,
)
from portal.surveys import disclosure
from portal.surveys.models import (
    RespondentGroup,
    RoundStatus,
    SurveyRound,
)

INDICATOR = "indicator"
QUESTION = "question"


@dataclass(frozen=True)
class Line:
    """One indicator or question of the compilation, with its pooled figures."""

    level: str  # INDICATOR or QUESTION
    code: str
    title: str
    figure: InstallationFigure | None
    previous: InstallationFigure | None

    @property
    def change(self) -> float | None:
        """Percentage points since the year before, where both years have a figure."""
        if self.figure is None or self.previous is None:
            return None
        return (self.figure.share - self.previous.share) * 100


@dataclass(frozen=True)
class Named:
    """A participating association shown by name: its share per line where *k* allows."""

    name: str
    shares: dict[str, float]  # line code → share 0..1; absent where hidden


@dataclass
class Compilation:
    """A year and respondent group of the national compilation."""

    year: int
    respondent_group: RespondentGroup
    lines: list[Line] = field(default_factory=list)
    named: list[Named] = field(default_factory=list)
    unnamed: int = 0  # participating associations that chose not to be named
    participating: int = 0  # associations with a closed round of the year and group


def compilation_choices() -> list[tuple[int, RespondentGroup]]:
    """(year, respondent group) of every closed round, newest year first."""
    rows = db.session.execute(
        sa.select(SurveyRound.year, SurveyRound.respondent_group)
        .where(SurveyRound.status == RoundStatus.CLOSED)
        .distinct()
        .order_by(SurveyRound.year.desc(), SurveyRound.respondent_group)
    )
    return [(int(year), RespondentGroup(group)) for year, group in rows]


def _figures(years: list[int], group: RespondentGroup) -> list[RoundFigure]:
    """The rollup rows of the group's closed rounds of ``years``, by indicator, question
    and association (reporting's one query, reordered here)."""
    figures = closed_round_figures(
        SurveyRound.year.in_(years), SurveyRound.respondent_group == group
    )
    return sorted(figures, key=lambda f: (f.indicator_code, f.code, f.association_id))


def _shown(figure: RoundFigure) -> bool:
    return disclosure.whole_hidden(figure.base, figure.k) is None


def _outline(figures: list[RoundFigure], year: int) -> dict[str, dict[str, str]]:
    """Indicator code → {question code → question text}, as the year's rounds ask them;
    also the indicator titles under the key "" of each."""
    outline: dict[str, dict[str, str]] = defaultdict(dict)
    for f in figures:
        if f.year == year:
            outline[f.indicator_code][""] = f.indicator_title
            outline[f.indicator_code][f.code] = f.text
    return outline


def _named(
    figures: list[RoundFigure],
    year: int,
    indicators: dict[str, set[str]],
    names: dict[int, tuple[str, bool]],
) -> tuple[list[Named], int]:
    """Each named association's shares where its own figure is shown; the count of the
    participating associations that are not named."""
    by_association: dict[int, list[RoundFigure]] = defaultdict(list)
    for f in figures:
        if f.year == year:
            by_association[f.association_id].append(f)
    named, unnamed = [], 0
    for association_id, parts in by_association.items():
        name, shown_by_name = names[association_id]
        if not shown_by_name:
            unnamed += 1
            continue
        shares = {p.code: p.positive / p.base for p in parts if _shown(p)}
        for code, questions in indicators.items():
            own = [p for p in parts if p.indicator_code == code]
            if {p.code for p in own} == questions and all(_shown(p) for p in own):
                shares[code] = sum(p.positive for p in own) / sum(p.base for p in own)
        named.append(Named(name, shares))
    named.sort(key=lambda n: n.name)
    return named, unnamed


def compile_year(year: int, group: RespondentGroup) -> Compilation:
    """The compilation of ``year`` for ``group`` (two queries: the rollup and the names)."""
    years = [year, year - 1]
    figures = _figures(years, group)
    outline = _outline(figures, year)
    indicators = {code: set(qs) - {""} for code, qs in outline.items()}
    codes = {q for qs in indicators.values() for q in qs}
    questions = pool_installation(figures, codes, set(years))
    pooled = pool_indicators(figures, indicators, set(years))
    compilation = Compilation(year=year, respondent_group=group)
    for indicator, texts in sorted(outline.items()):
        compilation.lines.append(
            Line(
                INDICATOR, indicator, texts[""],
                pooled.get((year, indicator)), pooled.get((year - 1, indicator)),
            )
        )  # fmt: skip
        for code in sorted(indicators[indicator]):
            compilation.lines.append(
                Line(
                    QUESTION, code, texts[code],
                    questions.get((year, code)), questions.get((year - 1, code)),
                )
            )  # fmt: skip
    ids = {f.association_id for f in figures if f.year == year}
    names = {
        int(i): (str(n), bool(shown))
        for i, n, shown in db.session.execute(
            sa.select(Association.id, Association.name, Association.named_nationally).where(
                Association.id.in_(ids)
            )
        )
    } if ids else {}  # fmt: skip
    compilation.named, compilation.unnamed = _named(figures, year, indicators, names)
    compilation.participating = len(ids)
    return compilation
