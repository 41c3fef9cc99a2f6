"""The database itself refuses rows that break the rules, whatever the code above it does."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from portal.accounts.models import LoginToken, TokenPurpose, User
from portal.db import UTCDateTime, utcnow
from portal.groups.models import Group, Membership, MembershipRole
from portal.organisations.models import Agency, AgencyKind


def _refused(db_session, *objects) -> None:
    """Adding ``objects`` fails on flush; the test's transaction goes on."""
    savepoint = db_session.begin_nested()
    db_session.add_all(objects)
    with pytest.raises(IntegrityError):
        db_session.flush()
    savepoint.rollback()


def _refused_sql(db_session, statement, **params) -> None:
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(statement, params)


def _sql(statement: str) -> sa.TextClause:
    """Raw SQL whose ``:now`` is bound as a UTC timestamp (the driver needs no adapter)."""
    return sa.text(statement).bindparams(sa.bindparam("now", type_=UTCDateTime()))


AGENCY_INSERT = _sql(
    "INSERT INTO agencies (association_id, name, kind, created_at, updated_at) "
    "VALUES (:association_id, :name, :kind, :now, :now)"
)


def test_membership_cannot_end_before_it_starts(f, db_session):
    group = f.group(f.association())
    user = f.user(group.association)
    _refused(
        db_session,
        Membership(
            group_id=group.id,
            user_id=user.id,
            agency_id=group.municipalities[0].id,
            role=MembershipRole.MEMBER,
            valid_from=dt.date(2024, 5, 2),
            valid_to=dt.date(2024, 5, 1),
        ),
    )
    # A one-day membership is fine.
    f.membership(group, user, valid_from=dt.date(2024, 5, 2), valid_to=dt.date(2024, 5, 2))


def test_user_email_is_unique(f, db_session):
    f.user(email="same@example.org")
    _refused(db_session, User(email="same@example.org", name="Someone Else"))


def test_user_email_must_be_lower_case(db_session):
    _refused(db_session, User(email="Upper@Example.org", name="Upper"))


def test_agency_name_is_unique_within_an_association(f, db_session):
    first, second = f.association(), f.association()
    f.agency(first, name="Gävle kommun")
    f.agency(second, name="Gävle kommun")  # another association: fine
    _refused(
        db_session,
        Agency(association_id=first.id, name="Gävle kommun", kind=AgencyKind.MUNICIPALITY),
    )


def test_group_name_is_unique_within_an_association(f, db_session):
    first, second = f.association(), f.association()
    f.group(first, name="Mysam Norr")
    f.group(second, name="Mysam Norr")
    _refused(db_session, Group(association_id=first.id, name="Mysam Norr"))


def test_agency_kind_must_be_a_known_value(f, db_session):
    association = f.association()
    now = utcnow()
    params = {"association_id": association.id, "name": "Ny myndighet", "now": now}
    _refused_sql(db_session, AGENCY_INSERT, kind="ministry", **params)
    _refused_sql(db_session, AGENCY_INSERT, kind="STATE", **params)  # the name, not the value
    # The same statement with a valid kind goes in, so the refusal was the kind.
    with db_session.begin_nested():
        db_session.execute(AGENCY_INSERT, {"kind": "state", **params})


def test_token_purpose_must_be_a_known_value(f, db_session):
    user = f.user()
    now = utcnow()
    _refused_sql(
        db_session,
        _sql(
            "INSERT INTO login_tokens (user_id, purpose, token_hash, created_at, expires_at) "
            "VALUES (:user_id, 'master-key', :hash, :now, :now)"
        ),
        user_id=user.id,
        hash="0" * 64,
        now=now,
    )


def test_agency_with_memberships_cannot_be_deleted(f, db_session):
    association = f.association()
    group = f.group(association)
    other_agency = f.agency(association, kind=AgencyKind.STATE)
    f.membership(group, agency=other_agency)  # the agency is not among the municipalities

    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(sa.delete(Agency).where(Agency.id == other_agency.id))

    assert db_session.get(Agency, other_agency.id) is not None


def test_person_with_memberships_cannot_be_deleted(f, db_session):
    group = f.group(f.association())
    membership = f.membership(group)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(sa.delete(User).where(User.id == membership.user_id))


def test_deleting_a_person_deletes_their_tokens(f, db_session):
    user = f.user()
    token = LoginToken(
        user_id=user.id,
        purpose=TokenPurpose.RESET,
        token_hash="1" * 64,
        created_at=utcnow(),
        expires_at=utcnow(),
    )
    db_session.add(token)
    db_session.flush()
    db_session.execute(sa.delete(User).where(User.id == user.id))
    count = sa.select(sa.func.count()).select_from(LoginToken).where(LoginToken.user_id == user.id)
    assert db_session.scalar(count) == 0


def test_foreign_keys_are_enforced(f, db_session):
    """On SQLite only with PRAGMA foreign_keys=ON, which portal.db sets per connection."""
    _refused(db_session, Agency(association_id=999_999, name="Ingen", kind=AgencyKind.STATE))


def test_naive_datetimes_are_refused(f, db_session):
    user = f.user()
    user.updated_at = dt.datetime(2024, 1, 1, 12, 0)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(StatementError) as caught, db_session.begin_nested():
        db_session.flush()
    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)


def test_datetimes_come_back_aware_in_utc(f, db_session):
    user = f.user()
    stockholm = dt.timezone(dt.timedelta(hours=2))
    user.updated_at = dt.datetime(2024, 6, 1, 14, 30, tzinfo=stockholm)
    db_session.flush()
    db_session.expire_all()

    fresh = db_session.get(User, user.id)

    assert fresh.updated_at.tzinfo is not None
    assert fresh.updated_at.utcoffset() == dt.timedelta(0)
    assert fresh.updated_at == dt.datetime(2024, 6, 1, 12, 30, tzinfo=dt.UTC)
    assert fresh.created_at.utcoffset() == dt.timedelta(0)


def test_utc_datetime_compares_in_sql(f, db_session):
    """Stored in UTC, so SQL comparisons order instants correctly on every backend."""
    user = f.user()
    stockholm = dt.timezone(dt.timedelta(hours=2))
    user.updated_at = dt.datetime(2024, 6, 1, 14, 30, tzinfo=stockholm)  # 12:30 UTC
    db_session.flush()
    later_utc = dt.datetime(2024, 6, 1, 13, 0, tzinfo=dt.UTC)
    found = db_session.scalar(
        sa.select(User.id).where(User.id == user.id, User.updated_at < later_utc)
    )
    assert found == user.id


def test_utc_datetime_type():
    column_type = UTCDateTime()
    assert column_type.process_bind_param(None, None) is None
    assert column_type.process_result_value(None, None) is None
    naive = dt.datetime(2024, 1, 1)  # noqa: DTZ001 - as SQLite returns it
    assert column_type.process_result_value(naive, None) == naive.replace(tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="naive"):
        column_type.process_bind_param(naive, None)
