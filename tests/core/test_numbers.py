"""One rule reads every typed number: the plan form's check and the board's judgement agree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.core.numbers import parse_number
from portal.plans.services.assessment import Assessment, assess

NUMBERS = [
    ("40", "40"),
    ("+3", "3"),
    ("+ 3", "3"),
    ("-3", "-3"),
    ("−2,5", "-2.5"),  # the minus sign
    ("–4", "-4"),  # the dash word processors put there
    ("12,5", "12.5"),
    ("12.5", "12.5"),
    ("75 %", "75"),
    ("+12,5%", "12.5"),
    ("1 000", "1000"),
    ("1\u00a0234,5", "1234.5"),
    ("  68  ", "68"),
]
WORDS = ["", "många", "3 av 4 parter", "10 st", "1,2,3", "1e3", "1 23", "+", "nan", "12,", "++3"]


@pytest.mark.parametrize(("text", "number"), NUMBERS)
def test_a_plain_figure_with_or_without_a_sign_is_a_number(text, number):
    assert parse_number(text) == Decimal(number)


@pytest.mark.parametrize("text", WORDS)
def test_words_are_not_numbers(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("baseline", "target", "outcome", "expected"),
    [
        ("0", "+5", "+3", Assessment.PARTLY),
        ("0", "5", "+5", Assessment.MET),
        ("-2", "+2", "−2", Assessment.NOT_MET),
        ("10", "4", "+4", Assessment.MET),  # lower is better here
        ("0", "5", "3 av 5", Assessment.NOT_ASSESSED),
    ],
)
def test_a_signed_outcome_is_judged_as_a_number(baseline, target, outcome, expected):
    assert assess(True, baseline, target, outcome) is expected
