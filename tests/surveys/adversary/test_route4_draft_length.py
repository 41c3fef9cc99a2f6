"""Route 4: a draft's length gives away its free text's length.

Before: the encrypted draft was the answers' JSON plus 16 bytes, so a backup taken
while drafts existed, set beside the final responses, linked each response with free
text to its invitation by length (6/6 on main, with six texts of different lengths).
Now drafts and ballots are the answers at a fixed size, free text compressed into a
block of fixed size (what does not fit is refused, never cut): every draft of a round,
and every ballot, has the same length.
"""

from __future__ import annotations

from tests.surveys.adversary.conftest import Run


def link_by_length(run: Run) -> int:
    """The attack: each draft's ciphertext length against the length of each response's
    free text (JSON overhead subtracted by matching the closest); correct links."""
    drafts = {d["invitation_id"]: len(d["ciphertext"]) for d in run.drafting.drafts}
    if len(set(drafts.values())) < len(drafts):
        # Equal lengths: the best the attack can do is pick one of those that share it.
        return 0 if len(set(drafts.values())) == 1 else -1
    texts = {r["a1"]: len((r["text"] or "").encode()) for r in run.closed.responses}
    order_drafts = sorted(drafts, key=drafts.__getitem__)
    order_texts = sorted(texts, key=texts.__getitem__)
    return sum(
        run.by_a1(a1).invitation_id == invitation
        for invitation, a1 in zip(order_drafts, order_texts, strict=True)
    )


def test_every_draft_of_the_round_has_the_same_length(survey_run: Run) -> None:
    drafts = survey_run.drafting.drafts
    assert len(drafts) == len(survey_run.respondents)
    assert len({len(d["ciphertext"]) for d in drafts}) == 1
    # The texts did differ: by up to 600 characters.
    assert len({len(r["text"] or "") for r in survey_run.closed.responses}) == len(drafts)
    assert link_by_length(survey_run) == 0


def test_every_ballot_has_the_same_length(survey_run: Run) -> None:
    ballots = survey_run.submitted.ballots
    assert len(ballots) == len(survey_run.respondents)
    assert len({len(b["sealed"]) for b in ballots}) == 1
