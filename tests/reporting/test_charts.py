"""The SVG charts and their tables: escaping, gaps, colours, golden output."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask import render_template_string

from portal.reporting.views.charts import COLOURS, Chart, Series, format_value, render_svg

GOLDEN = Path(__file__).parent / "golden"
MACRO = '{% from "reporting/_chart.html" import chart %}{{ chart(c) }}'


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def trend() -> Chart:
    return Chart(
        id="trend-q1",
        title="Klart positiva svar, Q1",
        x_labels=["2023", "2024", "2025"],
        series=[
            Series("Förbundet", [0.42, 0.425, 0.5]),
            Series("Riket", [0.4, None, 0.45]),
        ],
    )


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(actual.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites)"


def test_values_are_formatted_the_swedish_way(ctx):
    chart = trend()
    assert format_value(chart, 0.42) == "42 %"
    assert format_value(chart, 0.425) == "42,5 %"
    assert format_value(chart, 1.0) == "100 %"
    assert format_value(chart, None) == "–"
    assert format_value(Chart("m", "m", ["a"], unit="", y_max=None), 3.45) == "3,5"
    assert format_value(Chart("m", "m", ["a"], unit="möten", y_max=None), 12) == "12 möten"


def test_svg_is_accessible_and_has_no_inline_style(ctx):
    svg = str(render_svg(trend()))
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg
    assert 'aria-labelledby="trend-q1-title trend-q1-desc"' in svg
    assert '<title id="trend-q1-title">Klart positiva svar, Q1</title>' in svg
    assert '<desc id="trend-q1-desc">' in svg
    assert "style" not in svg  # neither attribute nor element: the CSP forbids both
    for label in ("0 %", "25 %", "50 %", "75 %", "100 %", "2023", "2024", "2025"):
        assert f">{label}</text>" in svg
    assert svg.count("Förbundet") == 5  # description, three points, legend
    assert "Förbundet, 2024: 42,5 %" in svg  # the point's own title


def test_text_from_user_data_is_escaped(ctx):
    evil = '<script>alert("x")</script>'
    chart = Chart(
        id='x" onload="alert(1)', title=evil, x_labels=[evil], series=[Series(evil, [0.5])]
    )
    svg = str(render_svg(chart))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'onload="' not in svg
    html = render_template_string(MACRO, c=chart)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_missing_value_is_a_gap_never_zero(ctx):
    chart = Chart(
        "g", "Gaps", ["2021", "2022", "2023", "2024"], [Series("A", [0.5, None, 0.6, 0.7])]
    )
    svg = str(render_svg(chart))
    paths = re.findall(r'<path d="([^"]+)" fill="none"', svg)
    # the first value stands alone (marker only); the line starts again after the gap
    assert len(paths) == 1
    assert paths[0].count("M") == 1
    assert paths[0].count("L") == 1
    bottom_y = "236"
    assert f'cy="{bottom_y}"' not in svg  # nothing is drawn at zero
    assert svg.count("<circle") == 3 + 1  # three values plus the legend's marker
    assert "A, 2022" not in svg


def test_bars_show_a_dash_for_a_missing_value_and_patterns_for_series(ctx):
    chart = Chart(
        "b",
        "Bars",
        ["FK", "AF"],
        [Series("2024", [0.0, None]), Series("2025", [0.3, 0.4])],
        kind="bar",
    )
    svg = str(render_svg(chart))
    assert svg.count("<rect x=") == 3 + 2  # three bars, two legend swatches
    assert "2024, AF: –" in svg
    assert "2024, FK: 0 %" in svg
    assert 'fill="url(#b-fill-0)"' in svg
    assert 'fill="url(#b-fill-1)"' in svg
    assert "<pattern" in svg


def test_series_differ_by_more_than_colour(ctx):
    chart = Chart("s", "Many", ["1", "2"], [Series(f"S{i}", [0.1 * i, 0.2]) for i in range(4)])
    svg = str(render_svg(chart))
    assert 'stroke-dasharray="8 4"' in svg
    assert 'stroke-dasharray="2 3"' in svg
    assert "<circle" in svg
    assert "<polygon" in svg
    assert "<rect" in svg


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", COLOURS)
def test_colours_have_3_to_1_contrast_on_white(colour):
    assert 1.05 / (_luminance(colour) + 0.05) >= 3


def test_y_axis_grows_for_values_above_the_maximum(ctx):
    chart = Chart("c", "Counts", ["a", "b"], [Series("n", [7, 12])], unit="", y_max=None)
    svg = str(render_svg(chart))
    assert ">20</text>" in svg
    assert ">10</text>" in svg


def test_unknown_kind_is_refused(ctx):
    with pytest.raises(ValueError, match="pie"):
        render_svg(Chart("p", "p", ["a"], [Series("a", [1])], kind="pie"))


def test_golden_svg(ctx):
    _golden("trend_line.svg", str(render_svg(trend())) + "\n")
    bars = Chart(
        "bars",
        "Närvaro per part",
        ["FK", "AF", "Region"],
        [Series("2025", [0.75, None, 0.5])],
        kind="bar",
    )
    _golden("attendance_bar.svg", str(render_svg(bars)) + "\n")


def test_the_macro_gives_a_figure_with_a_table(ctx):
    html = render_template_string(MACRO, c=trend())
    assert html.lstrip().startswith('<figure class="chart-figure">')
    assert "<figcaption>Klart positiva svar, Q1</figcaption>" in html
    assert "<details" in html
    assert "Visa tabell" in html
    assert "<caption>Klart positiva svar, Q1</caption>" in html
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert headers[1:] == ["2023", "2024", "2025"]
    rows = re.findall(r'<tr>\s*<th scope="row">([^<]*)</th>(.*?)</tr>', html, re.S)
    assert [name for name, _cells in rows] == ["Förbundet", "Riket"]
    cells = [re.findall(r"<td>(.*?)</td>", body) for _name, body in rows]
    assert cells[0] == ["42 %", "42,5 %", "50 %"]
    assert cells[1][0] == "40 %"
    assert cells[1][1] == '–<span class="visually-hidden"> visas inte</span>'
    assert cells[1][2] == "45 %"
