"""The slot cookie is read by ``slots._unsign``, not by itsdangerous: it must accept
exactly what itsdangerous accepts of the cookies ``slots.dump`` writes, and nothing
itsdangerous would refuse, whatever is done to them."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import BadData

from portal.surveys.views import slots

SECRET = "test-secret-key-not-used-anywhere-else"
MAX_AGE = slots.SLOT_HOURS * 3600

payloads = st.lists(
    st.one_of(st.text(max_size=60), st.integers(), st.none()), min_size=1, max_size=4
)
edits = st.tuples(
    st.sampled_from(["replace", "insert", "delete"]),
    st.integers(min_value=0),
    st.sampled_from([*"aZ09-_.=+/ ", "é", "\x00"]),
)


def itsdangerous_loads(value: str, secret: str = SECRET) -> object:
    """What itsdangerous answers; BadData (its refusals, BadSignature's kinds among them)."""
    try:
        return slots._signer(secret).loads(value, max_age=MAX_AGE)
    except BadData as refused:
        return refused


@settings(max_examples=300, deadline=None)
@given(payload=payloads)
def test_every_cookie_dump_writes_reads_as_itsdangerous_reads_it(payload) -> None:
    value = slots._signer(SECRET).dumps(payload)
    assert slots._unsign(SECRET, value, MAX_AGE) == itsdangerous_loads(value) == payload


@settings(max_examples=1000, deadline=None)
@given(payload=payloads, edit=edits)
def test_an_edited_cookie_is_never_accepted_where_itsdangerous_refuses_it(payload, edit) -> None:
    value = slots._signer(SECRET).dumps(payload)
    kind, position, char = edit
    at = position % (len(value) + (kind == "insert"))
    if kind == "replace":
        edited = value[:at] + char + value[at + 1 :]
    elif kind == "insert":
        edited = value[:at] + char + value[at:]
    else:
        edited = value[:at] + value[at + 1 :]
    read = slots._unsign(SECRET, edited, MAX_AGE)
    theirs = itsdangerous_loads(edited)
    if read is not None:  # refusing more is allowed: itsdangerous skips odd characters
        assert read == theirs


def test_its_age_is_checked_both_ways_and_its_key_is_the_secrets() -> None:
    now = int(time.time())
    value = slots._signer(SECRET).dumps(["s", "t", 1, 2])
    assert slots._unsign(SECRET, value, MAX_AGE, now=now + MAX_AGE - 5) == ["s", "t", 1, 2]
    assert slots._unsign(SECRET, value, MAX_AGE, now=now + MAX_AGE + 5) is None  # expired
    assert slots._unsign(SECRET, value, MAX_AGE, now=now - 5) is None  # from the future
    assert slots._unsign("another secret", value, MAX_AGE) is None
    assert isinstance(itsdangerous_loads(value, "another secret"), BadData)
    for broken in ("", ".", "..", "a.b", "a.b.c", value + "x", "." + value):
        assert slots._unsign(SECRET, broken, MAX_AGE) is None
        assert isinstance(itsdangerous_loads(broken), BadData)
