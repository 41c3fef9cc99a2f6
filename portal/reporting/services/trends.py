"""Trends over every year on record: survey shares against the national reference,
the attendance rate, and konkretiserade groups. Each trend is a fixed number of
queries however many years, groups, meetings and answers there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.reporting.services.national import RoundFigure
from portal.reporting.services.survey_figures import Share, _pooled
from portal.surveys import disclosure


@dataclass(frozen=True)
class TrendSeries:
    """One line of a trend: a value per year (None where missing or not shown)."""

    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Trend:
    """A trend over years; ``unit`` "%" means shares 0..1, "" plain counts."""

    id: str
    title: str
    years: list[int]
    series: list[TrendSeries]
    unit: str = "%"


@dataclass(frozen=True)
class SurveyTrendRow:
    """A question's (or indicator's) association share per year, with the national one."""

    code: str
    indicator_code: str
    text: str
    shares: dict[int, Share]
    national: dict[int, float]


def survey_trend(
    figures: list[RoundFigure], national: dict[tuple[int, str], float]
) -> tuple[list[int], list[SurveyTrendRow], dict[str, str]]:
    """Per closed round's year and question code: the association's share, from its
    rounds' yearly rollup (``References.own``), with the national reference.

    A year's share is hidden where fewer than that round's *k* answers on the scale
    stand behind it, as on the results page.
    """
    years = sorted({f.year for f in figures})
    out: dict[str, SurveyTrendRow] = {}
    titles: dict[str, str] = {}
    for f in figures:  # ordered by code, then year
        row = out.setdefault(f.code, SurveyTrendRow(f.code, f.indicator_code, f.text, {}, {}))
        titles.setdefault(f.indicator_code, f.indicator_title)
        hidden = disclosure.whole_hidden(f.base, f.k)
        row.shares[f.year] = (
            Share(None, 0, 0, hidden) if hidden else Share(f.answers, f.base, f.positive)
        )
    for row in out.values():
        row.national.update({y: national[y, row.code] for y in years if (y, row.code) in national})
    return years, list(out.values()), titles


def indicator_trend(
    rows: list[SurveyTrendRow], years: list[int], titles: dict[str, str]
) -> list[SurveyTrendRow]:
    """The questions' yearly shares pooled per indicator (shown only where all are shown)."""
    grouped: dict[str, list[SurveyTrendRow]] = {}
    for row in rows:
        grouped.setdefault(row.indicator_code, []).append(row)
    out = []
    for code, members in grouped.items():
        shares = {
            y: _pooled([m.shares[y] for m in members])
            for y in years
            if all(y in m.shares for m in members)
        }
        national = {
            y: sum(m.national[y] for m in members) / len(members)
            for y in years
            if all(y in m.national for m in members)
        }
        out.append(SurveyTrendRow(code, code, titles.get(code, code), shares, national))
    return out
