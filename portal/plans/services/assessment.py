"""Judging a result goal: met, partly met, not met or not assessed.

The plans own the rule because the plan page counts met goals itself; reporting
reads the judgement to sum it up for the board.

How a result goal is judged (shown on the summary page too):

- a goal without an outcome is *not assessed*;
- a numeric goal compares its outcome with its target, relative to its baseline: it is
  *met* when the outcome has reached the target (in the direction from baseline to
  target), *partly met* when it has moved from the baseline towards the target without
  reaching it, and *not met* when it has not moved or moved away. Without a baseline
  (or with the baseline equal to the target) higher is taken as better and the goal is
  met or not met;
- a goal that is not numeric, or whose target or outcome is not a plain figure
  ("68", "68 %", "1 234,5"), has no measurable judgement and is *not assessed*.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from portal.core.numbers import parse_number


class Assessment(enum.StrEnum):
    """How far a result goal has come."""

    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    NOT_ASSESSED = "not_assessed"


def read_number(text: str) -> Decimal | None:
    """``text`` as a number when it is a plain figure ("1 234,5", "40 %", "+3", "−3"),
    else None: the same rule the plan form checks targets by.

    Only a figure on its own counts: "3 av 4 parter" is words, not a measurement.
    """
    return parse_number(text)


def assess(numeric: bool, baseline: str, target: str, outcome: str) -> Assessment:
    """Judge one result goal by the rule in the module docstring."""
    if not numeric or not (outcome or "").strip():
        return Assessment.NOT_ASSESSED
    goal, result, start = read_number(target), read_number(outcome), read_number(baseline)
    if goal is None or result is None:
        return Assessment.NOT_ASSESSED
    if start is None or start == goal:
        return Assessment.MET if result >= goal else Assessment.NOT_MET
    progress = (result - start) / (goal - start)
    if progress >= 1:
        return Assessment.MET
    return Assessment.PARTLY if progress > 0 else Assessment.NOT_MET
