"""Pages cost the same number of SQL statements however many rows they show."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g

from portal.extensions import limiter
from portal.groups.models import MembershipRole
from portal.organisations.models import Association
from tests.conftest import login

MAX_STATEMENTS = 15


@pytest.fixture(autouse=True)
def _fresh_login_limits() -> None:
    with contextlib.suppress(AttributeError):
        limiter.reset()


def forget_request_caches() -> None:
    """Drop what an earlier request left on ``g`` so the next one is counted in full.

    The test's app context outlives each request, and with it ``flask.g``: the signed-in
    user and the principal would otherwise come from the previous request's cache.
    """
    g.pop("_login_user", None)
    g.pop("principals", None)


def build_group(f: Any, association: Any, members: int) -> int:
    """A group with ``members`` current members across a few agencies, plus history."""
    agencies = [f.agency(association) for _ in range(4)]
    group = f.group(association, municipalities=agencies[:2])
    for n in range(members):
        role = MembershipRole.PROCESS_LEADER if n == 0 else MembershipRole.MEMBER
        f.membership(group, agency=agencies[n % len(agencies)], role=role)
    # one former and one upcoming member, so every table on the page has rows
    f.membership(group, valid_to=dt.date(2021, 1, 1))
    f.membership(group, valid_from=dt.date(2999, 1, 1))
    return int(group.id)


@pytest.mark.parametrize("viewer", ["admin", "board"])
def test_group_page_query_count_does_not_grow_with_members(
    client, f, db_session, count_queries, viewer
):
    association = f.association()
    user = f.admin(association) if viewer == "admin" else f.board(association)
    small = build_group(f, association, 8)
    large = build_group(f, association, 80)
    slug, email = association.slug, user.email
    db_session.commit()
    login(client, email)
    counts = {}
    for group_id in (small, large):
        url = f"/a/{slug}/groups/{group_id}"
        client.get(url)
        forget_request_caches()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        counts[group_id] = counter.count
    assert counts[small] == counts[large], counts
    assert counts[large] <= MAX_STATEMENTS, counts


def test_lists_query_count_does_not_grow_with_rows(client, f, db_session, count_queries):
    association = f.association()
    slug, email = association.slug, f.admin(association).email
    db_session.commit()
    login(client, email)
    urls = ["/", f"/a/{slug}/", f"/a/{slug}/agencies", f"/a/{slug}/people/", f"/a/{slug}/audit"]

    def measure() -> dict[str, int]:
        out = {}
        for url in urls:
            client.get(url)
            forget_request_caches()
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            out[url] = counter.count
        return out

    build_group(f, association, 3)
    db_session.commit()
    few = measure()
    # count_queries ends with the test's session closed: fetch the association again
    association = db_session.scalar(sa.select(Association).where(Association.slug == slug))
    for _ in range(5):
        build_group(f, association, 10)
    db_session.commit()
    many = measure()
    assert few == many
