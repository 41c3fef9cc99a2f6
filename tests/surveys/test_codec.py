"""The fixed-size codec of drafts and ballots (``crypto.encode_answers``), version 2:
free text compressed together into a block of a fixed size per free-text question.

What it must keep: one length for every encoding of a round's questions whatever was
answered; every answer back exactly as it was; text that does not fit refused (never
cut); drafts and ballots written by version 1 still readable; and a ballot of the demo
instrument small enough for PostgreSQL to keep it in its row (no TOAST).
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.surveys import crypto

DK = "dk"


@dataclass(frozen=True)
class Q:
    code: str
    is_scale: bool


# The demo instrument's shape: seven scale questions, two free-text ones.
DEMO = tuple([Q(f"S{n}", True) for n in range(7)] + [Q("F1", False), Q("F2", False)])
TOAST_THRESHOLD = 2032  # PostgreSQL's TOAST_TUPLE_THRESHOLD for 8 KB pages
BALLOT_OVERHEAD = 32 + 12 + 16  # ephemeral key, nonce, tag
ROW_OVERHEAD = 24 + 16 + 4 + 4  # tuple header, uuid, round id, the value's header


def encode(answers: dict[str, str], questions: tuple[Q, ...] = DEMO) -> bytes:
    return crypto.encode_answers(questions, answers, group_id=7, dont_know=DK)


def decode(data: bytes, questions: tuple[Q, ...] = DEMO) -> tuple[int, dict[str, str]]:
    return crypto.decode_answers(questions, data, dont_know=DK)


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=60, deadline=None)
@given(
    scales=st.lists(st.sampled_from(["", "1", "4", "7", DK]), min_size=7, max_size=7),
    first=texts,
    second=texts,
)
def test_every_encoding_has_one_length_and_decodes_to_what_was_answered(
    scales: list[str], first: str, second: str
) -> None:
    answers = {f"S{n}": value for n, value in enumerate(scales) if value}
    answers.update({code: text for code, text in (("F1", first), ("F2", second)) if text})
    data = encode(answers)
    assert len(data) == crypto.encoded_size(DEMO)
    assert decode(data) == (7, answers)


def test_a_demo_ballot_stays_in_its_row() -> None:
    """Under PostgreSQL's TOAST threshold: no chunks, no TOAST index, a twentieth of
    the write-ahead log the 33.7 KB ballot of version 1 took."""
    sealed = len(encode({"F1": "x" * 1000})) + BALLOT_OVERHEAD
    assert sealed + ROW_OVERHEAD < TOAST_THRESHOLD


def swedish_like(length: int, seed: int) -> str:
    """Letters drawn with Swedish's letter frequencies: compresses less well than real
    writing does (no words repeat), so what fits of it fits of prose too."""
    letters = "aeinrstldomkgvhfupäbåcöjy "
    weights = [9.4, 10.1, 5.8, 8.5, 8.4, 6.6, 7.7, 5.3, 4.5, 4.5, 3.2, 3.0, 2.8]
    weights += [2.4, 2.1, 2.0, 1.9, 1.8, 1.8, 1.5, 1.3, 1.5, 1.3, 0.6, 0.7, 16]
    return "".join(random.Random(seed).choices(letters, weights, k=length))


def test_long_ordinary_text_fits_and_comes_back_whole() -> None:
    """About 2,700 characters of writing fit (prose: nearer 3,500), in one answer or
    spread over both."""
    for answers in (
        {"F1": swedish_like(2700, 1)},
        {"F1": swedish_like(2000, 2), "F2": swedish_like(700, 3)},
    ):
        assert decode(encode(answers))[1] == answers


def test_text_that_does_not_fit_is_refused_not_cut() -> None:
    rng = random.Random(5)
    noise = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1500))  # incompressible
    with pytest.raises(crypto.TextTooLongError) as refused:
        encode({"F1": noise})
    assert refused.value.overflow > 0
    assert refused.value.packed > crypto.text_budget(DEMO)


def test_questions_without_free_text_have_no_text_block() -> None:
    scales = tuple(q for q in DEMO if q.is_scale)
    assert crypto.encoded_size(scales) == 5 + 7
    assert decode(encode({"S0": "3"}, scales), scales) == (7, {"S0": "3"})


def test_version_1_drafts_and_ballots_are_still_read() -> None:
    """Written before version 2 (an open round across the upgrade): read as they were."""
    text = "Bättre möten ☕".encode()
    data = struct.pack(">BI", 1, 9) + bytes([3] + [0] * 5 + [0xFF])
    data += struct.pack(">H", len(text)) + text + bytes(crypto.V1_TEXT_BYTES - len(text))
    data += struct.pack(">H", 0) + bytes(crypto.V1_TEXT_BYTES)
    assert decode(data) == (9, {"S0": "3", "S6": DK, "F1": "Bättre möten ☕"})


def test_an_unknown_version_is_refused() -> None:
    data = bytearray(encode({}))
    data[0] = 9
    with pytest.raises(ValueError, match="unknown codec version"):
        decode(bytes(data))
