"""User Markdown: headings sit below the page's own, whatever the text asks for."""

from __future__ import annotations

import pytest

from portal.core.markdown import render


def test_a_hash_never_becomes_a_second_h1() -> None:
    html = str(render("# Möte\n\nText\n\nRubrik\n======\n\n<h1>rå</h1>"))
    assert "<h1" not in html
    assert html.count("<h2>") == 3


@pytest.mark.parametrize(("level", "expected"), [(2, "h2"), (3, "h3"), (4, "h4")])
def test_the_caller_says_where_the_text_stands(level: int, expected: str) -> None:
    html = str(render("# A\n\n## B\n\n###### F", level))
    assert f"<{expected}>A</{expected}>" in html
    deeper = f"h{int(expected[1]) + 1}"
    assert f"<{deeper}>B</{deeper}>" in html
    assert "<h6>F</h6>" in html  # nothing goes past h6
    assert "<h7" not in html


def test_level_one_is_not_offered() -> None:
    assert "<h2>A</h2>" in str(render("# A", 1))
