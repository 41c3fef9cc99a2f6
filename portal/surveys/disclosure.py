"""The one disclosure check every published survey figure goes through.

A round publishes, per scale question, a cell for the whole association and one per
group (answers, "don't know", the distribution, the share clearly positive, the mean),
the responses and response rate per group, and free text per group and for the
association. The board's summaries, print, xlsx, CSV, the API and the charts all read
the same cells (``portal.surveys.results``), and the yearly trends and the
installation-wide figure read totals of whole rounds.

The rule, so that no combination of published numbers determines an answer, or a count
of answers, of fewer than *k* respondents:

- A cell is shown only where at least *k* answers on the scale stand behind it
  (``Hidden.FEW``). A hidden cell shows no count at all, only why.
- The association's cell is the sum of its groups' cells, so the association minus the
  shown groups gives the hidden groups' cells *summed*. Everything a cell holds is
  given away that way – the "don't know" answers and the questions left unanswered as
  well as the answers on the scale – so what is measured is the *respondents* behind
  the hidden groups (their responses), not their answers on the scale: where those add
  up to more than nothing but fewer than *k*, the shown group with the fewest
  respondents is hidden as well, until they add up to *k* (``Hidden.SECONDARY``).
- Free text is listed per group only for groups that pass the same test on their
  responses, and for the association only where the round has *k* responses.
- No breakdown below the group: the agency kind is never published (with groups of five
  to seven, a group's total minus a kind that only it has gives away the others).

Responses per group (and the response rate) are published as they are: they count who
answered, not what, and the invitations say as much already. The installation-wide
figure pools only associations whose own figure is shown (``portal.reporting.services.national``)
so it adds nothing a reader could subtract; a year's trend figure is the association's
cell of that year's round, under the same rule.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar


class Hidden(enum.StrEnum):
    """Why a cell shows nothing."""

    FEW = "few"  # fewer than k answers on the scale
    SECONDARY = "secondary"  # would reveal a smaller hidden cell by subtraction


@dataclass(frozen=True)
class Part:
    """One part of a whole: the respondents behind it and their answers on the scale."""

    respondents: int
    base: int


K = TypeVar("K", bound=Hashable)


def hide(parts: Mapping[K, Part], k: int) -> dict[K, Hidden]:
    """Which parts of a whole (whose total is published) to hide, and why.

    Primary: fewer than ``k`` answers on the scale. Secondary: while the respondents of
    the hidden parts add up to more than nothing but fewer than ``k``, the shown part
    with the fewest respondents is hidden too (ties by name, so the choice is stable).
    """
    hidden: dict[K, Hidden] = {key: Hidden.FEW for key, p in parts.items() if p.base < k}
    behind = sum(parts[key].respondents for key in hidden)
    shown = sorted(
        (p.respondents, p.base, str(key), key) for key, p in parts.items() if key not in hidden
    )
    while 0 < behind < k and shown:
        n, _base, _name, key = shown.pop(0)
        hidden[key] = Hidden.SECONDARY
        behind += n
    return hidden


@dataclass
class Decision:
    """What a round may publish: per question the association's cell and each group's."""

    k: int
    overall: dict[int, Hidden | None] = field(default_factory=dict)  # question id → reason
    groups: dict[int, dict[int, Hidden]] = field(default_factory=dict)  # question → group
    text_groups: set[int] = field(default_factory=set)  # groups whose free text is listed
    texts: bool = False  # the association's free text is listed

    def group(self, question_id: int, group_id: int) -> Hidden | None:
        return self.groups.get(question_id, {}).get(group_id)


def decide(
    k: int,
    respondents: Mapping[int | None, int],
    bases: Mapping[int, Mapping[int, int]],
    groups: Iterable[int],
    wholes: Mapping[int, int] | None = None,
) -> Decision:
    """The decision for one round.

    ``respondents``: group id → responses (None: an association-level round's, which
    has no groups; its only published cell is the association's); ``bases``: question
    id → group id → answers on the scale; ``groups``: every group of the round (a
    group without responses counts as a part with none); ``wholes``: question id → the
    association's answers on the scale, where known (else the sum of the groups').
    """
    group_ids = list(groups)
    decision = Decision(k=k)
    for question_id, by_group in bases.items():
        parts = {g: Part(respondents.get(g, 0), by_group.get(g, 0)) for g in group_ids}
        whole = sum(by_group.get(g, 0) for g in group_ids)
        if wholes is not None:
            whole = wholes.get(question_id, whole)
        decision.overall[question_id] = whole_hidden(whole, k)
        decision.groups[question_id] = hide(parts, k)
    text_parts = {g: Part(respondents.get(g, 0), respondents.get(g, 0)) for g in group_ids}
    hidden_texts = hide(text_parts, k)
    decision.text_groups = {g for g in group_ids if g not in hidden_texts}
    decision.texts = sum(respondents.values()) >= k
    return decision


def whole_hidden(base: int, k: int) -> Hidden | None:
    """A whole round's figure (the association's cell, a trend's year, what the
    installation-wide figure pools): shown where ``k`` answers on the scale."""
    return Hidden.FEW if base < k else None
