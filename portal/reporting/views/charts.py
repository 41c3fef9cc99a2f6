"""Server-rendered SVG charts, readable without JavaScript.

Every chart is a plain ``<svg role="img">`` with a ``<title>`` and ``<desc>``; the
``chart`` macro in ``templates/reporting/_chart.html`` puts it in a ``<figure>`` with the
same figures as a table. Rules kept here:

* A missing or suppressed value (``None``) leaves a gap: a line is broken there and a
  bar is replaced by a dash. It is never drawn as 0.
* Series differ by marker shape and dash pattern (bars: fill pattern) as well as by
  colour, and every colour has at least 3:1 contrast against white.
* No ``style`` attribute and no ``<style>`` element (the CSP forbids inline styles):
  only SVG presentation attributes.
* All text is escaped; output is deterministic (coordinates rounded to one decimal).
* Text is 12 user units, and the page never draws a chart narrower than its
  ``WIDTH`` (``svg.chart`` has that as its minimum width, and a narrower column scrolls
  the chart inside its own region), so text is never drawn smaller than 12 CSS px.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 520  # CSS px at scale 1: reporting.css gives svg.chart this min-width
PLOT_LEFT = 64
PLOT_RIGHT = WIDTH - 16
PLOT_TOP = 16
PLOT_HEIGHT = 220
PLOT_BOTTOM = PLOT_TOP + PLOT_HEIGHT
LEGEND_TOP = PLOT_BOTTOM + 48
LEGEND_ROW = 22
TICKS = 4

# Contrast against white: 10.4, 5.6, 5.4, 8.6, 7.4, 5.9 (all above 3:1).
COLOURS = ("#1f4e79", "#b03a00", "#2b6e2f", "#6a1b9a", "#5d4037", "#00695c")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "triangle-down")
UNAVAILABLE = "–"


@dataclass
class Series:
    """One line (or one set of bars) of a chart; ``None`` is a missing or hidden value."""

    name: str
    values: list[float | None]


@dataclass
class Chart:
    """What to draw. For unit "%", values are shares 0..1 and are shown as percentages."""

    id: str
    title: str
    x_labels: list[str]
    series: list[Series] = field(default_factory=list)
    unit: str = "%"
    y_max: float | None = 1.0
    kind: str = "line"


def format_value(chart: Chart, value: float | None) -> str:
    """A value as the chart and its table show it: "42 %", "42,5 %", "3,4" or "–"."""
    return _formatted(str(get_locale() or "sv"), chart.unit, value)


@lru_cache(maxsize=8192)
def _formatted(locale: str, unit: str, value: float | None) -> str:
    """Cached: Babel's number formatting is the slow part of drawing a chart."""
    if value is None:
        return UNAVAILABLE
    if unit == "%":
        return f"{format_decimal(round(value * 100, 1), '#,##0.#', locale=locale)} %"
    number = format_decimal(round(value, 1), "#,##0.#", locale=locale)
    return f"{number} {unit}" if unit else number


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _safe_id(raw: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", raw) or "chart"


def _nice_max(values: list[float]) -> float:
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    magnitude: float = 10 ** math.floor(math.log10(top))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


@dataclass
class _Frame:
    """The chart's scale: maps category index and value to SVG coordinates."""

    chart: Chart
    y_max: float
    locale: str = "sv"

    def fmt(self, value: float | None) -> str:
        return _formatted(self.locale, self.chart.unit, value)

    @property
    def slot(self) -> float:
        return (PLOT_RIGHT - PLOT_LEFT) / max(len(self.chart.x_labels), 1)

    def x(self, index: int) -> float:
        return PLOT_LEFT + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        share = min(max(value, 0.0), self.y_max) / self.y_max
        return PLOT_BOTTOM - share * PLOT_HEIGHT


def _frame(chart: Chart) -> _Frame:
    values = [v for s in chart.series for v in s.values if v is not None]
    y_max = chart.y_max if chart.y_max is not None else _nice_max(values)
    if values and max(values) > y_max:
        y_max = _nice_max(values)
    return _Frame(chart, y_max, str(get_locale() or "sv"))


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """A marker of the given shape centred on (x, y)."""
    paint = f'fill="{colour}" stroke="{colour}"'
    if shape == "circle":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" {paint}/>'
    if shape == "square":
        return f'<rect x="{_num(x - 4)}" y="{_num(y - 4)}" width="8" height="8" {paint}/>'
    if shape == "cross":
        return (
            f'<path d="M{_num(x - 4)} {_num(y - 4)}L{_num(x + 4)} {_num(y + 4)}'
            f'M{_num(x - 4)} {_num(y + 4)}L{_num(x + 4)} {_num(y - 4)}" '
            f'stroke="{colour}" stroke-width="2" fill="none"/>'
        )
    points = {
        "triangle": ((0, -5), (5, 4), (-5, 4)),
        "triangle-down": ((0, 5), (5, -4), (-5, -4)),
        "diamond": ((0, -5), (5, 0), (0, 5), (-5, 0)),
    }[shape]
    coords = " ".join(f"{_num(x + dx)},{_num(y + dy)}" for dx, dy in points)
    return f'<polygon points="{coords}" {paint}/>'


def _axes(frame: _Frame) -> list[str]:
    chart = frame.chart
    out = ['<g class="chart-axes" font-size="12" fill="#222">']
    for i in range(TICKS + 1):
        value = frame.y_max * i / TICKS
        y = _num(frame.y(value))
        out.append(
            f'<line x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}" '
            f'stroke="{"#222" if i == 0 else "#c8c8c8"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{PLOT_LEFT - 8}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(frame.fmt(value))}</text>"
        )
    out.append(
        f'<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{PLOT_LEFT}" y2="{PLOT_BOTTOM}" '
        'stroke="#222" stroke-width="1"/>'
    )
    for index, label in enumerate(chart.x_labels):
        x = _num(frame.x(index))
        out.append(
            f'<line x1="{x}" y1="{PLOT_BOTTOM}" x2="{x}" y2="{PLOT_BOTTOM + 5}" stroke="#222"/>'
        )
        out.append(
            f'<text x="{x}" y="{PLOT_BOTTOM + 20}" text-anchor="middle">{escape(label)}</text>'
        )
    out.append("</g>")
    return out


def _point_title(frame: _Frame, series: Series, index: int, value: float | None) -> str:
    labels = frame.chart.x_labels
    label = labels[index] if index < len(labels) else ""
    text = f"{series.name}, {label}: {frame.fmt(value)}"
    return f"<title>{escape(text)}</title>"


def _runs(values: list[float | None]) -> list[list[int]]:
    """Indexes of consecutive present values: a None ends a run (a gap in the line)."""
    runs: list[list[int]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(index)
    return [run for run in runs if run]


def _lines(frame: _Frame) -> list[str]:
    chart = frame.chart
    out = []
    for number, series in enumerate(chart.series):
        colour = COLOURS[number % len(COLOURS)]
        dash = DASHES[number % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="chart-series chart-series-{number}">')
        values = [v or 0.0 for v in series.values]  # only read where the value is present
        for run in _runs(series.values[: len(chart.x_labels)]):
            if len(run) < 2:
                continue  # a lone value is shown by its marker alone
            d = "".join(
                f"{'M' if i == 0 else 'L'}{_num(frame.x(idx))} {_num(frame.y(values[idx]))}"
                for i, idx in enumerate(run)
            )
            out.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        for index, value in enumerate(series.values[: len(chart.x_labels)]):
            if value is None:
                continue
            x, y = frame.x(index), frame.y(value)
            shape = MARKERS[number % len(MARKERS)]
            out.append(
                f"<g>{_point_title(frame, series, index, value)}{_marker(shape, x, y, colour)}</g>"
            )
        out.append("</g>")
    return out


def _patterns(chart: Chart, chart_id: str) -> list[str]:
    """Fill patterns that tell bar series apart without colour."""
    out = ["<defs>"]
    for number, _series in enumerate(chart.series):
        colour = COLOURS[number % len(COLOURS)]
        pid = f"{chart_id}-fill-{number}"
        variant = number % 4
        out.append(
            f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{"#fff" if variant else colour}"/>'
        )
        if variant == 1:
            out.append(
                f'<path d="M-2 10L10 -2M-2 2L2 -2M6 10L10 6" stroke="{colour}" stroke-width="2.5"/>'
            )
        elif variant == 2:
            out.append(f'<circle cx="4" cy="4" r="2.5" fill="{colour}"/>')
        elif variant == 3:
            out.append(f'<path d="M0 4H8M4 0V8" stroke="{colour}" stroke-width="2"/>')
        out.append("</pattern>")
    out.append("</defs>")
    return out


def _bars(frame: _Frame, chart_id: str) -> list[str]:
    chart = frame.chart
    count = max(len(chart.series), 1)
    width = frame.slot * 0.8 / count
    out = []
    for number, series in enumerate(chart.series):
        colour = COLOURS[number % len(COLOURS)]
        out.append(f'<g class="chart-series chart-series-{number}" font-size="12" fill="#222">')
        for index, value in enumerate(series.values[: len(chart.x_labels)]):
            left = frame.x(index) - frame.slot * 0.4 + number * width
            centre = _num(left + width / 2)
            title = _point_title(frame, series, index, value)
            if value is None:
                out.append(
                    f'<text x="{centre}" y="{PLOT_BOTTOM - 6}" text-anchor="middle" font-size="18">'
                    f"{title}{UNAVAILABLE}</text>"
                )
                continue
            top = frame.y(value)
            out.append(
                f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(width)}" '
                f'height="{_num(PLOT_BOTTOM - top)}" fill="url(#{chart_id}-fill-{number})" '
                f'stroke="{colour}" stroke-width="1.5">{title}</rect>'
            )
        out.append("</g>")
    return out


def _legend(chart: Chart, chart_id: str) -> list[str]:
    out = ['<g class="chart-legend" font-size="12" fill="#222">']
    for number, series in enumerate(chart.series):
        colour = COLOURS[number % len(COLOURS)]
        y = LEGEND_TOP + number * LEGEND_ROW
        if chart.kind == "bar":
            out.append(
                f'<rect x="{PLOT_LEFT}" y="{y - 7}" width="24" height="14" '
                f'fill="url(#{chart_id}-fill-{number})" stroke="{colour}" stroke-width="1.5"/>'
            )
        else:
            dash = DASHES[number % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_LEFT + 28}" y2="{y}" '
                f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
            out.append(_marker(MARKERS[number % len(MARKERS)], PLOT_LEFT + 14, y, colour))
        out.append(
            f'<text x="{PLOT_LEFT + 36}" y="{y}" dominant-baseline="middle">'
            f"{escape(series.name)}</text>"
        )
    out.append("</g>")
    return out


def _description(chart: Chart) -> str:
    kind = _("Bar chart") if chart.kind == "bar" else _("Line chart")
    names = ", ".join(s.name for s in chart.series) or _("no series")
    span = (
        f"{chart.x_labels[0]}–{chart.x_labels[-1]}"
        if len(chart.x_labels) > 1
        else "".join(chart.x_labels)
    )
    return _(
        "%(kind)s of %(names)s, %(span)s. Missing or hidden figures are left out, not drawn"
        " as zero. The figures are also given in a table.",
        kind=kind,
        names=names,
        span=span,
    )


def render_svg(chart: Chart) -> Markup:
    """The chart as an accessible, self-contained ``<svg>`` element."""
    if chart.kind not in ("line", "bar"):
        raise ValueError(f"unknown chart kind {chart.kind!r}")
    chart_id = _safe_id(chart.id)
    frame = _frame(chart)
    height = LEGEND_TOP + max(len(chart.series), 1) * LEGEND_ROW
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{chart.kind}" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif">'
        ),
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_description(chart))}</desc>',
    ]
    if chart.kind == "bar":
        parts += _patterns(chart, chart_id)
    parts += _axes(frame)
    parts += _bars(frame, chart_id) if chart.kind == "bar" else _lines(frame)
    parts += _legend(chart, chart_id)
    parts.append("</svg>")
    return Markup("\n".join(parts))  # noqa: S704 - every text above went through escape()


def table_rows(chart: Chart) -> list[tuple[str, list[str | None]]]:
    """The chart's figures as its table shows them: per series, its name and a cell per
    x label, formatted, or None where the value is missing or hidden.

    Formatted here, with the locale read once, rather than a cell at a time in the
    macro: a board summary has a dozen ten-year charts, and each call into Python from
    Jinja looked the locale up again.
    """
    locale = str(get_locale() or "sv")
    width = len(chart.x_labels)
    rows = []
    for series in chart.series:
        values = series.values[:width] + [None] * (width - len(series.values))
        cells = [None if v is None else _formatted(locale, chart.unit, v) for v in values]
        rows.append((series.name, cells))
    return rows
