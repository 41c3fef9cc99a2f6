"""Route 1: transaction ids (xmin, xmax) join a response to its invitation.

Before: the submit marked the invitation and inserted the response in one transaction,
so ``survey_invitations.xmin = survey_responses.xmin`` named every respondent (6/6 in
this run on main), and deleted drafts stayed as dead tuples whose xmax was the
response's xmin. Now the submit's transaction writes a sealed ballot, and the close
writes every response in one transaction of its own, then deletes and vacuums the
ballots, drafts and keys.
"""

from __future__ import annotations

import pytest

from tests.surveys.adversary.conftest import Run


@pytest.fixture(autouse=True)
def _postgres_only(survey_run: Run) -> None:
    if survey_run.dialect != "postgresql":
        pytest.skip("transaction ids in rows are PostgreSQL's (SQLite: route 2's tests)")


def link_by_xmin(run: Run) -> int:
    """The attack: join responses to invitations on xmin; count correct links."""
    invitation_by_xmin = {row["xmin"]: row for row in run.closed.invitations.values()}
    linked = 0
    for response in run.closed.responses:
        invitation = invitation_by_xmin.get(response["xmin"])
        if invitation is None:
            continue
        respondent = run.by_a1(response["a1"])
        linked += invitation["id"] == respondent.invitation_id
    return linked


def test_no_response_shares_a_transaction_id_with_an_invitation(survey_run: Run) -> None:
    responses = survey_run.closed.responses
    assert len(responses) == len(survey_run.respondents)
    assert link_by_xmin(survey_run) == 0
    # All were written by one transaction: sorting by xmin orders nothing.
    assert len({r["xmin"] for r in responses}) == 1
    invitation_xmins = {row["xmin"] for row in survey_run.closed.invitations.values()}
    assert not {r["xmin"] for r in responses} & invitation_xmins


def test_no_dead_tuple_keeps_a_submits_transaction_id(survey_run: Run) -> None:
    """pageinspect sees every tuple on every page, dead or alive: after the close and
    its VACUUM FULL, no tuple of the ballot, draft and key tables (and their TOAST), nor
    of any other table read here, carries a transaction id of this round's submits,
    drafts or keys, as xmin or xmax. (Other tests' rows may share the tables.)"""
    submits = {row["xmin"] for row in survey_run.closed.invitations.values() if row["answered"]}
    assert len(submits) == len(survey_run.respondents)  # each submit its own transaction
    own = survey_run.own_transactions()
    assert submits <= own
    # The attack had its chance: the drafts were there to read mid-round (in their rows;
    # since the codec's version 2 a draft is small enough to need no TOAST).
    assert {t["xmin"] for t in survey_run.drafting.tuples["survey_drafts"]} & own
    for table, tuples in survey_run.closed.tuples.items():
        seen = {t["xmin"] for t in tuples} | {t["xmax"] for t in tuples}
        assert not seen & own, table


def test_during_the_round_a_ballot_joins_its_invitation_but_reads_as_noise(
    survey_run: Run,
) -> None:
    """Mid-round the ballot's xmin is its submit's (residual, stated in the docs): it
    links an invitation to bytes that the database alone cannot open."""
    from cryptography.exceptions import InvalidTag

    from portal.surveys import crypto

    copy = survey_run.submitted
    assert copy.responses == []  # nothing is written in the clear before the close
    [key] = copy.round_keys
    for guess in ("", "secret", "changeme", "dev"):
        with pytest.raises(InvalidTag):
            crypto.unwrap_round_keys(guess, survey_run.round_id, key["wrapped"])
    for ballot in copy.ballots:
        assert b"Svar" not in ballot["sealed"]
