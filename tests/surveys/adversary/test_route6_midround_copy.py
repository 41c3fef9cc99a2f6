"""Route 6: agency kind narrows the set in a copy taken during the round.

Before: a response kept its respondent's agency kind where at least k of the group's
invitations shared it; a copy taken mid-round set answered invitations of each kind
beside responses of that kind: on main this run's copy tagged three responses
"municipality" (3 such members invited, k = 3), narrowing each of them from six
respondents to those three, and with fewer answered the tag names them. Now nothing
of a response exists before the close, a ballot is sealed and has no kind, and the
responses written at the close carry no kind at all.
"""

from __future__ import annotations

from collections import Counter

from tests.surveys.adversary.conftest import Run


def identified_by_kind(run: Run) -> int:
    """The attack: a kind with one answered invitation and one response of that kind
    names that response's respondent."""
    responses = Counter(r["agency_kind"] for r in run.submitted.responses if r["agency_kind"])
    answered = Counter(
        r.kind.value
        for r in run.respondents
        if r.kind is not None and run.submitted.invitations[r.invitation_id]["answered"]
    )
    return sum(1 for kind, n in responses.items() if n == 1 and answered[kind] == 1)


def test_a_copy_taken_mid_round_has_no_response_and_no_kind(survey_run: Run) -> None:
    for copy in (survey_run.drafting, survey_run.submitted):
        assert copy.responses == []
        for ballot in copy.ballots:
            assert set(ballot) <= {"id", "sealed", "xmin", "ctid"}  # no kind, no group
    assert identified_by_kind(survey_run) == 0


def test_the_closed_rounds_responses_carry_no_kind(survey_run: Run) -> None:
    responses = survey_run.closed.responses
    assert len(responses) == len(survey_run.respondents)
    assert {r["agency_kind"] for r in responses} == {None}
    assert {r["group_id"] for r in responses} == {survey_run.group_id}
