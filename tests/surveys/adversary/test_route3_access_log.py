"""Route 3: an access log ties a submit to a person.

Before: every respondent page had the link's token in its address, and the token's
SHA-256 is ``token_hash``: each logged submit named its invitation (6/6 on main). Now
the token is in one address only, the link's, opened once at the start; the pages
that save, review and submit carry a random slot that maps to nothing stored.
"""

from __future__ import annotations

import re

import pytest

from portal.surveys import crypto
from tests.surveys.adversary.conftest import Run

REQUEST_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3})')


def requests(run: Run) -> list[tuple[str, str]]:
    out = []
    for line in run.log:
        match = REQUEST_RE.search(line)
        assert match, line
        out.append((match["method"], match["path"]))
    return out


def name_submits_from_the_log(run: Run) -> int:
    """The attack: every path segment of a logged submit (and of every other POST) is
    tried as a token and as a token's hash against the invitations of a copy."""
    by_hash = {row["token_hash"]: row["id"] for row in run.closed.invitations.values()}
    named = 0
    for method, path in requests(run):
        if method != "POST":
            continue
        for segment in path.split("/"):
            if segment in by_hash or crypto.token_hash(segment) in by_hash:
                named += 1
                break
    return named


def test_no_logged_save_or_submit_names_an_invitation(survey_run: Run) -> None:
    posts = [path for method, path in requests(survey_run) if method == "POST"]
    assert sum(path.endswith("/submit") for path in posts) == len(survey_run.respondents)
    assert name_submits_from_the_log(survey_run) == 0


def test_the_token_is_logged_only_when_the_link_is_opened(survey_run: Run) -> None:
    if survey_run.source == "codes":
        pytest.skip("participant codes: see the test below")
    tokens = {r.token for r in survey_run.respondents}
    hashes = {crypto.token_hash(t) for t in tokens}
    with_token = [
        (method, path)
        for method, path in requests(survey_run)
        if any(t in path for t in tokens | hashes)
    ]
    assert with_token == [("GET", f"/survey/{r.token}") for r in survey_run.respondents]
    for method, path in requests(survey_run):
        if (method, path) not in with_token:
            assert path.startswith("/survey/s/"), path


def test_a_slot_maps_to_nothing_stored(survey_run: Run) -> None:
    """The slot is random per opening: it is neither the token nor its hash nor found
    in any invitation, and without the cookie it opens nothing."""
    invitations = survey_run.closed.invitations.values()
    stored = {str(v) for row in invitations for v in row.values()}
    for respondent in survey_run.respondents:
        slot = respondent.slot.rsplit("/", 1)[1]
        assert slot != respondent.token
        assert not any(slot in value for value in stored)
        assert crypto.token_hash(slot) not in stored


def test_a_code_is_logged_only_when_its_qr_address_is_opened(survey_run: Run) -> None:
    """A typed code travels in a POST's body: no log line has it. A scanned code is
    in its QR address, opened once, as a link's token is; the token it stands for
    (and that token's hash, ``token_hash``) is in no line at all, and the code names
    no invitation without the round's link secret, which the close deletes."""
    if survey_run.source != "codes":
        pytest.skip("personal links: see the test above")
    by_hash = {row["token_hash"] for row in survey_run.closed.invitations.values()}
    secrets = {r.token for r in survey_run.respondents}
    secrets |= {crypto.token_hash(t) for t in secrets}
    logged = requests(survey_run)
    assert not any(s in path for s in secrets for _method, path in logged)
    scanned = [r for r in survey_run.respondents if r.index % 2 == 0]
    with_code = [
        (method, path)
        for method, path in logged
        if any(r.code in path or r.code.replace("-", "") in path for r in survey_run.respondents)
    ]
    assert with_code == [("GET", f"/survey/kod/{r.code}") for r in scanned]
    for method, path in logged:
        if (method, path) not in with_code:
            assert path.startswith("/survey/s/") or path == "/survey/kod", path
    for respondent in survey_run.respondents:
        plain = respondent.code.replace("-", "")
        for guess in (respondent.code, plain):
            assert crypto.token_hash(guess) not in by_hash
