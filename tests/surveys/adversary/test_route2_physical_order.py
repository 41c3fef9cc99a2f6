"""Route 2: the physical order of responses follows the order of submits.

Before: responses were inserted as they came, so their natural order (ctid) was the
submit order; with the order in which invitations were answered (their xmin, or a
log) that linked every response (6/6 on main). Now every response is written at the
close, in the order of a shuffle of the opened ballots
(``secrets.SystemRandom().shuffle``).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from portal.surveys.services import lifecycle
from tests.surveys.adversary.conftest import Run, run_round


def submit_order_attack(run: Run) -> int:
    """The attack: the k-th response in physical order is the k-th submit. Returns how
    many that gets right."""
    return sum(
        run.by_a1(response["a1"]).index == position
        for position, response in enumerate(run.closed.responses)
    )


def physical_order(run: Run) -> list[int]:
    """Submit positions of the responses, in the order a copy of the table holds them."""
    return [run.by_a1(response["a1"]).index for response in run.closed.responses]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_physical_order_is_the_shuffles_not_the_submits(app: Any, monkeypatch, seed) -> None:
    """With the shuffle's source fixed to a seed, the table's order is exactly that
    shuffle of the submit order, run after run: the order carries the shuffle, and
    nothing of the submits. (The real source is the operating system's.)"""
    calls: list[int] = []

    class Seeded(random.Random):
        def __init__(self) -> None:
            calls.append(seed)
            super().__init__(seed)

    monkeypatch.setattr(lifecycle.secrets, "SystemRandom", Seeded)
    run, remove = run_round(app)
    try:
        expected = list(range(len(run.respondents)))
        random.Random(seed).shuffle(expected)
        assert calls == [seed]
        if run.dialect == "postgresql":
            assert physical_order(run) == expected  # ctid order
            assert submit_order_attack(run) == sum(a == b for a, b in enumerate(expected))
        else:
            # SQLite keeps the table WITHOUT ROWID, in the order of its random keys.
            keys = [str(r["id"]) for r in run.closed.responses]
            assert keys == sorted(keys)
        assert expected != sorted(expected)
    finally:
        remove()


def test_the_shuffle_uses_the_systems_random_source() -> None:
    import inspect

    source = inspect.getsource(lifecycle._write_responses)
    assert "secrets.SystemRandom().shuffle(opened)" in source


def test_the_submit_order_attack_does_as_well_as_a_random_guess(survey_run: Run) -> None:
    """Under the real shuffle the attack is a random permutation's guess: on average one
    right of six. One run cannot show an average; what it shows is that the physical
    order holds no more than the permutation (all responses one transaction, and on
    SQLite the order of random keys)."""
    responses = survey_run.closed.responses
    assert sorted(physical_order(survey_run)) == list(range(len(survey_run.respondents)))
    if survey_run.dialect == "postgresql":
        assert len({r["xmin"] for r in responses}) == 1
    else:
        assert [str(r["id"]) for r in responses] == sorted(str(r["id"]) for r in responses)
