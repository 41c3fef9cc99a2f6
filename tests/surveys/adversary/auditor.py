"""An independent auditor of published survey figures (it shares no code with
``portal.surveys.disclosure``).

The respondents of a round fall into *atoms* (its groups; across associations, the
associations): within an atom nobody can be told apart by any published figure, so
what matters is what the figures say about sets of atoms. For one question every
respondent gives one *category* (left unanswered, "don't know", or a point on the
scale). The unknowns are ``x[atom, category]``, the number of an atom's respondents in
a category. Every published number is a linear form in them: a cell over a set of
atoms publishes its answers, "don't know", distribution, positive count and the sum of
its values (the mean times the base); the response count of a group is the sum over
all its categories.

The numbers a reader can work out are exactly the linear forms in the row space ``D``
of the published forms. For a set of atoms ``T`` with fewer than *k* respondents, the
forms supported on ``T`` alone span ``W_T``. The only thing the reader may know about
``T`` is its response counts (``|T|`` dimensions). So the figures are safe iff for
every such ``T``: ``dim(D ∩ W_T) = |T|``, computed as
``rank D + rank W_T − rank(D + W_T)``. This catches every difference at once: total
minus shown groups, a group minus a sub-row, any chain of them.

Exact arithmetic over a large prime field (the forms have small integer entries, so
ranks over it equal ranks over the rationals).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

PRIME = (1 << 61) - 1

Form = dict[tuple[Hashable, Hashable], int]  # (atom, category) → coefficient


@dataclass(frozen=True)
class Leak:
    atoms: frozenset[Hashable]
    respondents: int


def rank(rows: Iterable[Mapping[tuple[Hashable, Hashable], int]]) -> int:
    """Rank of sparse integer rows, by elimination modulo PRIME."""
    pivots: dict[tuple[Hashable, Hashable], dict[tuple[Hashable, Hashable], int]] = {}
    order: list[tuple[Hashable, Hashable]] = []
    for raw in rows:
        row = {key: v % PRIME for key, v in raw.items() if v % PRIME}
        for pivot in order:
            if pivot in row:
                factor = row[pivot]
                for key, v in pivots[pivot].items():
                    row[key] = (row.get(key, 0) - factor * v) % PRIME
                    if not row[key]:
                        del row[key]
        if row:
            lead = min(row, key=repr)
            inverse = pow(row[lead], PRIME - 2, PRIME)
            row = {key: v * inverse % PRIME for key, v in row.items()}
            for pivot in order:  # keep the basis reduced
                if lead in pivots[pivot]:
                    factor = pivots[pivot][lead]
                    for key, v in row.items():
                        pivots[pivot][key] = (pivots[pivot].get(key, 0) - factor * v) % PRIME
                        if not pivots[pivot][key]:
                            del pivots[pivot][key]
            pivots[lead] = row
            order.append(lead)
    return len(order)


def cell_forms(
    atoms: Iterable[Hashable], categories: Sequence[Hashable], stats: Mapping[str, Mapping]
) -> list[Form]:
    """The forms a shown cell over ``atoms`` publishes: one per statistic, each a map
    category → coefficient (e.g. {"dk": 1} for "don't know", {v: v} for the value sum)."""
    atoms = list(atoms)
    return [
        {(a, c): w for a in atoms for c, w in weights.items() if w} for weights in stats.values()
    ]


def audit(
    respondents: Mapping[Hashable, int],
    categories: Sequence[Hashable],
    published: list[Form],
    k: int,
) -> list[Leak]:
    """Every set of atoms with fewer than ``k`` (but some) respondents about which the
    published forms determine more than its response counts."""
    live = [a for a, n in respondents.items() if n > 0]
    # Atoms without respondents hold known zeros: they reveal nothing.
    zero = [{(a, c): 1} for a, n in respondents.items() if n == 0 for c in categories]
    counts = [{(a, c): 1 for c in categories} for a in respondents]
    base = published + counts + zero
    d = rank(base)
    leaks = []
    for size in range(1, len(live) + 1):
        for group in combinations(live, size):
            n = sum(respondents[a] for a in group)
            if not 0 < n < k:
                continue
            w = [{(a, c): 1} for a in group for c in categories]
            inside = d + len(w) - rank(base + w)
            if inside > len(group):
                leaks.append(Leak(frozenset(group), n))
    return leaks


def published_forms(figures: dict[str, Any]) -> tuple[dict[int, int], list[str], list[Form]]:
    """The API's results JSON as linear forms over (group, (question, category)): every
    number a shown cell gives; a hidden cell must give none."""
    responses = {g["group_id"]: g["responses"] for g in figures["responses_by_group"]}
    forms: list[Form] = []
    categories: list[Any] = []
    for question in figures["questions"]:
        points = range(1, question["points"] + 1)
        cats = [(question["code"], c) for c in ("skip", "dk", *points)]
        categories += cats
        cells = [(list(responses), question["overall"])]
        cells += [([g["group_id"]], g) for g in question["groups"]]
        for atoms, cell in cells:
            if cell["hidden"]:
                assert set(cell) <= {"group_id", "group_name", "hidden", "reason"}, cell
                continue
            code = question["code"]
            stats = [
                {(code, "dk"): 1},
                {(code, p): 1 for p in points} | {(code, "dk"): 1},  # answers
                {(code, p): 1 for p in points},  # base
                {(code, p): p for p in points},  # the mean times the base
                {(code, p): 1 for p in points if p >= question["positive_from"]},
                *({(code, p): 1} for p in points),
            ]
            forms += [{(a, c): w for a in atoms for c, w in s.items()} for s in stats]
    return responses, categories, forms


def audit_results(figures: dict[str, Any], k: int) -> dict[str, list[Leak]]:
    """``audit`` of an API results JSON, question by question (every respondent gives
    each question one category, so each question's forms are audited on their own)."""
    responses, categories, forms = published_forms(figures)
    out = {}
    for question in figures["questions"]:
        code = question["code"]
        cats = [c for c in categories if c[0] == code]
        mine = [f for f in forms if next(iter(f))[1][0] == code]
        out[code] = audit(responses, cats, mine, k)
    return out
