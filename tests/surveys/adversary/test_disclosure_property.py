"""Issue 15's property: no combination of the figures a round publishes determines an
answer, or a count of answers, of fewer than *k* respondents.

Hypothesis generates rounds (groups of random size, some empty; answers on a short
scale, "don't know", questions left unanswered, free text; random *k*), builds what is
published through the code every output shares – ``results._results`` (which asks
``disclosure.decide``) and the API's serializer – and hands the numbers to the
independent auditor (``auditor.py``: linear algebra over every difference of published
figures). ``test_route5_subtraction`` checks that each output really goes through it.
The installation-wide pool is checked the same way, with associations as the parts.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.api.serialize import results_json
from portal.reporting.services import national
from portal.reporting.services.national import RoundFigure
from portal.surveys import disclosure, results
from tests.surveys.adversary.auditor import audit, audit_results

SKIP, DK = "skip", "dk"
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def rounds(draw: Any) -> dict[str, Any]:
    k = draw(st.integers(2, 5))
    points = draw(st.integers(2, 4))
    sizes = draw(st.lists(st.integers(0, 7), min_size=1, max_size=5))
    n_questions = draw(st.integers(1, 2))
    anything = st.sampled_from([SKIP, DK, *range(1, points + 1)])
    off_scale = st.sampled_from([SKIP, DK])
    # Some groups answer only "don't know" or nothing: the cells secondary suppression
    # used to miss, as it counted only answers on the scale.
    styles = [draw(st.sampled_from([anything, anything, off_scale])) for _ in sizes]
    answers = [
        [
            draw(st.lists(style, min_size=n, max_size=n))
            for n, style in zip(sizes, styles, strict=True)
        ]
        for _ in range(n_questions)
    ]
    texts = [draw(st.integers(0, n)) for n in sizes]  # free-text answers per group
    return {"k": k, "points": points, "sizes": sizes, "answers": answers, "texts": texts}


def _published(r: dict[str, Any]) -> tuple[dict[str, Any], disclosure.Decision]:
    """The round's results through ``results._results`` and the API serializer."""
    group_ids = list(range(1, len(r["sizes"]) + 1))
    questions = [
        SimpleNamespace(
            id=100 + i, code=f"Q{i}", is_scale=True, points=r["points"], positive_from=r["points"],
            indicator_code="I", indicator_title="I", text="?", is_example=False,
        )
        for i in range(len(r["answers"]))
    ]  # fmt: skip
    cells: dict[Any, results.Cell] = {}
    for question, per_group in zip(questions, r["answers"], strict=True):
        for gid, given_answers in zip(group_ids, per_group, strict=True):
            for a in given_answers:
                if a == SKIP:
                    continue
                value = None if a == DK else a
                for key in ((question.id, gid), (question.id, results.ALL)):
                    cell = cells.setdefault(key, results.Cell())
                    results._add(cell, question.positive_from, value, a == DK, 1)
    survey_round = SimpleNamespace(
        min_answers=r["k"],
        groups=[SimpleNamespace(id=g, name=f"G{g}") for g in group_ids],
        instrument=SimpleNamespace(questions=questions),
    )
    responses = {g: n for g, n in zip(group_ids, r["sizes"], strict=True) if n}
    figures = results._results(survey_round, cells, responses)  # type: ignore[arg-type]
    return results_json(survey_round, figures), figures.decision  # type: ignore[arg-type]


@SETTINGS
@given(rounds())
def test_no_published_figure_set_determines_fewer_than_k(r: dict[str, Any]) -> None:
    published, _decision = _published(r)
    for code, leaks in audit_results(published, r["k"]).items():
        assert leaks == [], (code, leaks, r)


@SETTINGS
@given(rounds())
def test_free_text_lists_give_no_small_set_away(r: dict[str, Any]) -> None:
    """Texts listed for the association and for the groups the check lets through: the
    count of texts (one per writer) is the published figure."""
    _published_json, decision = _published(r)
    group_ids = list(range(1, len(r["sizes"]) + 1))
    respondents = dict(zip(group_ids, r["sizes"], strict=True))
    cats = ["text", "none"]
    forms = []
    if decision.texts:
        forms.append({(g, "text"): 1 for g in group_ids})
    forms += [{(g, "text"): 1} for g in decision.text_groups]
    if not decision.texts:
        assert forms == [] or sum(r["sizes"]) >= r["k"]
    assert audit(respondents, cats, forms, r["k"]) == []


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(0, 3)), min_size=1, max_size=6
    ),
    st.integers(2, 5),
)
def test_the_installation_pool_adds_nothing_to_subtract(
    associations: list[tuple[int, int, int]], k: int
) -> None:
    """Associations as the parts: each publishes its own figure where the check shows
    it; the installation-wide pool publishes its base and positive answers (more than
    it shows: only a share). Nothing about fewer than k answers may follow."""
    figures = [
        RoundFigure(i, 2026, k, "A1", "A", "?", "A", pos + neg + other, pos + neg, pos)
        for i, (pos, neg, other) in enumerate(associations)
    ]
    cats = ["positive", "negative", "other"]
    forms: list[dict[Any, int]] = []
    for f in figures:
        if disclosure.whole_hidden(f.base, f.k) is None:
            forms += [{(f.association_id, c): 1} for c in cats]
    pooled = national.pool_installation(figures, {"A1"}, {2026})
    if (2026, "A1") in pooled:
        members = [f for f in figures if disclosure.whole_hidden(f.base, f.k) is None]
        assert pooled[2026, "A1"].base == sum(f.base for f in members)
        forms.append({(f.association_id, c): 1 for f in members for c in cats[:2]})
        forms.append({(f.association_id, "positive"): 1 for f in members})
    respondents = {f.association_id: f.answers for f in figures}
    assert audit(respondents, cats, forms, k) == []
